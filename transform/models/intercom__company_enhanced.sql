-- One row per company with its tags and plan.
with companies as (
    select * from {{ ref('stg_intercom__companies') }}
),

company_tags as (
    select
        company_id,
        string_agg(distinct tag ->> 'name', ', ' order by tag ->> 'name') as all_company_tags
    from companies
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(tags -> 'tags') = 'array' then tags -> 'tags' else '[]'::jsonb end) as tag
    group by company_id
)

select
    {{ source_relation() }},
    companies.company_id,
    companies.company_name,
    companies.created_at,
    company_tags.all_company_tags,
    companies.website,
    companies.industry,
    companies.monthly_spend,
    companies.user_count,
    companies.session_count,
    companies.plan_id,
    companies.plan_name,
    companies.updated_at,
    -- Not in dbt_intercom: the company_id your systems gave the company.
    companies.company_external_id
from companies
left join company_tags using (company_id)
