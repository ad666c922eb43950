select
    id as admin_id,
    name as admin_name,
    email as admin_email,
    job_title,
    away_mode_enabled as is_away
from {{ source('intercom', 'admins') }}
where _sdc_deleted_at is null
