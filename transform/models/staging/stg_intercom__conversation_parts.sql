-- One row per loaded conversation part (2.x returns a conversation's 500 most recent parts).
select
    conversation_id,
    id as conversation_part_id,
    part_type,
    nullif(author ->> 'type', '') as author_type,
    author ->> 'id' as author_id,
    assigned_to ->> 'type' as assigned_to_type,
    assigned_to ->> 'id' as assigned_to_id,
    body,
    created_at
from {{ source('intercom', 'conversation_parts') }}
where _sdc_deleted_at is null
  and {{ not_deleted('conversation_id', 'deleted_conversations') }}
