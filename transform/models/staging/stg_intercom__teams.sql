select
    id as team_id,
    name as team_name
from {{ source('intercom', 'teams') }}
where _sdc_deleted_at is null
