select
    id as company_id,
    company_id as company_external_id,
    name as company_name,
    created_at,
    updated_at,
    website,
    industry,
    monthly_spend,
    user_count,
    session_count,
    nullif(plan ->> 'id', '') as plan_id,
    nullif(plan ->> 'name', '') as plan_name,
    tags
from {{ source('intercom', 'companies') }}
where _sdc_deleted_at is null
