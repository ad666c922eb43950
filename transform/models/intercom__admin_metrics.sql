-- One row per admin and team they belong to (one row with no team for an admin in none), with
-- the conversations assigned to an admin that the admin closed last.
with conversations as (
    select * from {{ ref('intercom__conversation_metrics') }}
    where is_assignee_admin
),

metrics as (
    select
        last_close_by_admin_id as admin_id,
        count(*) as total_conversations,
        count(*) filter (where conversation_state = 'closed') as total_conversations_closed,
        round(avg(count_total_parts), 2) as average_conversation_parts,
        avg(conversation_rating) as average_conversation_rating,
        count(conversation_rating) as total_conversations_rated,
        round(percentile_cont(0.5) within group (order by count_reopens)::numeric, 2)
            as median_conversations_reopened,
        round(percentile_cont(0.5) within group (order by count_assignments)::numeric, 2)
            as median_conversation_assignments,
        round(percentile_cont(0.5) within group (order by time_to_first_response_minutes)::numeric, 2)
            as median_time_to_first_response_time_minutes,
        round(percentile_cont(0.5) within group (order by time_to_first_close_minutes)::numeric, 2)
            as median_time_to_first_close_minutes,
        round(percentile_cont(0.5) within group (order by time_to_last_close_minutes)::numeric, 2)
            as median_time_to_last_close_minutes
    from conversations
    where last_close_by_admin_id is not null
    group by last_close_by_admin_id
)

select
    {{ source_relation() }},
    admins.admin_id,
    admins.admin_name,
    teams.team_name,
    teams.team_id,
    admins.job_title,
    coalesce(metrics.total_conversations_closed, 0) as total_conversations_closed,
    metrics.average_conversation_parts,
    metrics.average_conversation_rating,
    metrics.median_conversations_reopened,
    metrics.median_conversation_assignments,
    metrics.median_time_to_first_response_time_minutes,
    metrics.median_time_to_last_close_minutes,
    -- Not in dbt_intercom:
    coalesce(metrics.total_conversations, 0) as total_conversations,
    coalesce(metrics.total_conversations_rated, 0) as total_conversations_rated,
    metrics.median_time_to_first_close_minutes
from {{ ref('stg_intercom__admins') }} as admins
left join {{ ref('stg_intercom__team_admins') }} as team_admins using (admin_id)
left join {{ ref('stg_intercom__teams') }} as teams using (team_id)
left join metrics using (admin_id)
