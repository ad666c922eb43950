-- Each conversation's first and last events, from its parts when all of them were loaded and
-- from Intercom's statistics when the conversation is past the 500-part cap (its earliest parts
-- are missing there). metrics_source and first_contact_reply_source say where values came from;
-- a value neither source knows stays NULL rather than being taken from the partial parts.
{%- set contact_types = "('user', 'lead', 'contact')" %}

with conversations as (
    select * from {{ ref('stg_intercom__conversations') }}
),

parts as (
    select * from {{ ref('int_intercom__conversation_part_events') }}
),

admins as (
    select admin_id from {{ ref('stg_intercom__admins') }}
),

joined as (
    select
        conversations.*,
        conversations.conversation_author_type in {{ contact_types }} as is_contact_started,
        parts.count_loaded_parts,
        parts.first_admin_response_at as parts_first_admin_response_at,
        parts.last_admin_response_at as parts_last_admin_response_at,
        parts.first_contact_comment_at,
        parts.last_contact_reply_at as parts_last_contact_reply_at,
        parts.first_assignment_at as parts_first_assignment_at,
        parts.last_assignment_at as parts_last_assignment_at,
        parts.count_assignments as parts_count_assignments,
        parts.first_reopen_at as parts_first_reopen_at,
        parts.last_reopen_at,
        parts.count_reopens as parts_count_reopens,
        parts.first_close_at as parts_first_close_at,
        parts.last_close_at as parts_last_close_at,
        parts.first_admin_close_at as parts_first_admin_close_at,
        parts.last_admin_close_at,
        parts.first_close_by_author_id as parts_first_close_by_author_id,
        parts.last_close_by_author_id,
        parts.first_close_by_admin_id as parts_first_close_by_admin_id,
        parts.last_close_by_admin_id as parts_last_close_by_admin_id,
        parts.first_contact_author_id as parts_first_contact_author_id,
        parts.last_contact_author_id,
        parts.first_team_id as parts_first_team_id,
        parts.last_team_id,
        parts.part_admin_ids,
        parts.part_contact_ids
    from conversations
    left join parts using (conversation_id)
)

select
    conversation_id,
    is_parts_capped,
    case when is_parts_capped then 'statistics' else 'conversation_parts' end as metrics_source,
    greatest(parts_total_count, coalesce(count_loaded_parts, 0)) as count_total_parts,
    case
        when is_contact_started then conversation_created_at
        when is_parts_capped then stat_first_contact_reply_at
        else first_contact_comment_at
    end as first_contact_reply_at,
    case
        when is_contact_started then 'conversation_source'
        when is_parts_capped then 'statistics'
        else 'conversation_parts'
    end as first_contact_reply_source,
    case when is_contact_started then conversation_author_id
         when not is_parts_capped then parts_first_contact_author_id
    end as first_contact_author_id,
    coalesce(last_contact_author_id,
             case when is_contact_started then conversation_author_id end) as last_contact_author_id,
    case when is_parts_capped then stat_first_admin_reply_at
         else parts_first_admin_response_at end as first_admin_response_at,
    case when is_parts_capped then coalesce(stat_last_admin_reply_at, parts_last_admin_response_at)
         else parts_last_admin_response_at end as last_admin_response_at,
    case when is_parts_capped then coalesce(stat_last_contact_reply_at, parts_last_contact_reply_at)
         else parts_last_contact_reply_at end as last_contact_reply_at,
    case when is_parts_capped then stat_first_assignment_at
         else parts_first_assignment_at end as first_assignment_at,
    case when is_parts_capped then coalesce(stat_last_assignment_at, parts_last_assignment_at)
         else parts_last_assignment_at end as last_assignment_at,
    case when is_parts_capped then stat_count_assignments
         else coalesce(parts_count_assignments, 0) end as count_assignments,
    case when not is_parts_capped then parts_first_reopen_at end as first_reopen_at,
    last_reopen_at,
    case when is_parts_capped then stat_count_reopens
         else coalesce(parts_count_reopens, 0) end as count_reopens,
    case when is_parts_capped then stat_first_close_at
         else parts_first_close_at end as first_close_at,
    case when is_parts_capped then coalesce(stat_last_close_at, parts_last_close_at)
         else parts_last_close_at end as last_close_at,
    case when not is_parts_capped then parts_first_admin_close_at end as first_admin_close_at,
    last_admin_close_at,
    case when not is_parts_capped then parts_first_close_by_author_id end as first_close_by_author_id,
    last_close_by_author_id,
    case when not is_parts_capped then parts_first_close_by_admin_id end as first_close_by_admin_id,
    coalesce(parts_last_close_by_admin_id,
             case when is_parts_capped and stat_last_closed_by_id in (select admin_id from admins)
                  then stat_last_closed_by_id end) as last_close_by_admin_id,
    case when not is_parts_capped then parts_first_team_id end as first_team_id,
    last_team_id,
    (select string_agg(distinct admin_id, ', ' order by admin_id)
       from (select unnest(string_to_array(part_admin_ids, ', ')) as admin_id
             union
             select teammate ->> 'id'
               from jsonb_array_elements(case when jsonb_typeof(teammates -> 'teammates') = 'array'
                                              then teammates -> 'teammates' else '[]'::jsonb end)
                    as teammate) as ids) as all_conversation_admins,
    (select string_agg(distinct contact_id, ', ' order by contact_id)
       from (select unnest(string_to_array(part_contact_ids, ', ')) as contact_id
             union
             select conversation_author_id where is_contact_started) as ids) as all_conversation_contacts
from joined
