-- One row per conversation: its attributes, assignee, tags, rating, and who opened, closed and
-- took part in it (dbt_intercom's intercom__conversation_enhanced, from tap-intercom's tables).
with conversations as (
    select * from {{ ref('stg_intercom__conversations') }}
),

timeline as (
    select * from {{ ref('int_intercom__conversation_timeline') }}
),

admins as (
    select * from {{ ref('stg_intercom__admins') }}
),

teams as (
    select * from {{ ref('stg_intercom__teams') }}
),

contacts as (
    select * from {{ ref('intercom__contact_enhanced') }}
),

conversation_tags as (
    select
        conversation_id,
        string_agg(distinct tag ->> 'name', ', ' order by tag ->> 'name') as all_conversation_tags
    from conversations
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(tags -> 'tags') = 'array' then tags -> 'tags' else '[]'::jsonb end) as tag
    group by conversation_id
)

select
    {{ source_relation() }},
    conversations.conversation_id,
    conversations.conversation_created_at,
    conversations.conversation_last_updated_at,
    conversations.conversation_type,
    conversation_tags.all_conversation_tags,
    conversations.conversation_initiated_type,
    conversations.conversation_subject,
    coalesce(conversations.admin_assignee_id, conversations.team_assignee_id) as conversation_assignee_id,
    case when conversations.admin_assignee_id is not null then 'admin'
         when conversations.team_assignee_id is not null then 'team'
         else 'unassigned' end as conversation_assignee_type,
    assignee.admin_id is not null as is_assignee_admin,
    conversations.conversation_author_type,
    timeline.first_close_by_admin_id,
    timeline.last_close_by_admin_id,
    timeline.first_close_by_author_id,
    timeline.last_close_by_author_id,
    timeline.first_contact_author_id,
    timeline.last_contact_author_id,
    conversations.conversation_state,
    conversations.is_read,
    conversations.waiting_since,
    conversations.snoozed_until,
    conversations.sla_name,
    conversations.sla_status,
    timeline.all_conversation_admins,
    timeline.all_conversation_contacts,
    timeline.first_admin_close_at,
    timeline.last_admin_close_at,
    timeline.first_close_at,
    timeline.last_close_at,
    contacts.all_contact_company_names,
    conversations.conversation_rating,
    conversations.conversation_remark,
    timeline.first_team_id,
    timeline.last_team_id,
    first_team.team_name as first_team_name,
    last_team.team_name as last_team_name,
    -- Not in dbt_intercom:
    conversations.admin_assignee_id,
    conversations.team_assignee_id,
    coalesce(assigned_team.team_name, 'Unassigned') as team_assignee_name,
    conversations.conversation_rated_at,
    conversations.conversation_rated_admin_id,
    conversations.parts_total_count,
    conversations.parts_returned_count,
    timeline.is_parts_capped,
    timeline.metrics_source
from conversations
join timeline using (conversation_id)
left join conversation_tags using (conversation_id)
left join admins as assignee on assignee.admin_id = conversations.admin_assignee_id
left join teams as first_team on first_team.team_id = timeline.first_team_id
left join teams as last_team on last_team.team_id = timeline.last_team_id
left join teams as assigned_team on assigned_team.team_id = conversations.team_assignee_id
left join contacts on contacts.contact_id = timeline.first_contact_author_id
