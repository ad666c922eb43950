-- Contact to tag links (Intercom embeds at most 10 tags in a contact).
select distinct
    contacts.contact_id,
    tag ->> 'id' as tag_id
from {{ ref('stg_intercom__contacts') }} as contacts
cross join lateral jsonb_array_elements(
    case when jsonb_typeof(contacts.tags -> 'data') = 'array'
         then contacts.tags -> 'data' else '[]'::jsonb end) as tag
