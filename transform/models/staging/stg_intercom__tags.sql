select
    id as tag_id,
    name as tag_name
from {{ source('intercom', 'tags') }}
where _sdc_deleted_at is null
