-- One row per contact (user or lead) with its tags and companies by name.
with contacts as (
    select * from {{ ref('stg_intercom__contacts') }}
),

tag_names as (
    select contact_tags.contact_id,
           string_agg(distinct tags.tag_name, ', ' order by tags.tag_name) as all_contact_tags
    from {{ ref('stg_intercom__contact_tags') }} as contact_tags
    join {{ ref('stg_intercom__tags') }} as tags using (tag_id)
    group by contact_tags.contact_id
),

company_names as (
    select contact_companies.contact_id,
           string_agg(distinct companies.company_name, ', ' order by companies.company_name)
               as all_contact_company_names
    from {{ ref('stg_intercom__contact_companies') }} as contact_companies
    join {{ ref('stg_intercom__companies') }} as companies using (company_id)
    group by contact_companies.contact_id
)

select
    {{ source_relation() }},
    contacts.contact_id,
    contacts.contact_name,
    contacts.admin_id,
    contacts.created_at,
    contacts.updated_at,
    contacts.signed_up_at,
    tag_names.all_contact_tags,
    contacts.contact_role,
    contacts.contact_email,
    contacts.last_contacted_at,
    contacts.last_email_opened_at,
    contacts.last_email_clicked_at,
    contacts.last_replied_at,
    contacts.is_unsubscribed_from_emails,
    company_names.all_contact_company_names,
    -- Not in dbt_intercom: Intercom embeds at most 10 companies in a contact.
    coalesce((contacts.companies ->> 'has_more')::boolean, false) as has_more_companies
from contacts
left join tag_names using (contact_id)
left join company_names using (contact_id)
