-- Contact to company links. Intercom embeds at most 10 companies in a contact; has_more says
-- when the list was cut, which contact_enhanced reports rather than hides.
select distinct
    contacts.contact_id,
    company ->> 'id' as company_id
from {{ ref('stg_intercom__contacts') }} as contacts
cross join lateral jsonb_array_elements(
    case when jsonb_typeof(contacts.companies -> 'data') = 'array'
         then contacts.companies -> 'data' else '[]'::jsonb end) as company
