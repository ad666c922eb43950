-- Users and leads: tap-intercom loads 2.x contacts into `users` (role user) and `contacts` (role lead).
{%- set columns = 'id, name, owner_id, created_at, updated_at, signed_up_at, role, email,
    last_contacted_at, last_email_opened_at, last_email_clicked_at, last_replied_at,
    unsubscribed_from_emails, tags, companies, _sdc_deleted_at' %}

with people as (
    select {{ columns }} from {{ source('intercom', 'users') }}
    union all
    select {{ columns }} from {{ source('intercom', 'contacts') }}
)

select
    id as contact_id,
    name as contact_name,
    owner_id::text as admin_id,
    created_at,
    updated_at,
    signed_up_at,
    role as contact_role,
    email as contact_email,
    last_contacted_at,
    last_email_opened_at,
    last_email_clicked_at,
    last_replied_at,
    unsubscribed_from_emails as is_unsubscribed_from_emails,
    tags,
    companies
from people
where _sdc_deleted_at is null
  and {{ not_deleted('id', 'deleted_contacts') }}
