-- intercom__conversation_enhanced with counts and calendar-time durations (dbt_intercom's
-- columns), corrected for conversations past the 500-part cap, plus the durations Intercom
-- computes itself: office-hours adjusted, and on API 2.16 handling times and team response times.
with enhanced as (
    select * from {{ ref('intercom__conversation_enhanced') }}
),

timeline as (
    select * from {{ ref('int_intercom__conversation_timeline') }}
),

statistics as (
    select * from {{ ref('stg_intercom__conversations') }}
),

team_response_times as (
    -- The response time of the team the conversation is assigned to now (or the first listed).
    select
        statistics.conversation_id,
        {%- for column, times in [
            ('team_first_response_seconds', 'stat_team_first_response_times'),
            ('team_first_response_in_office_hours_seconds', 'stat_team_first_response_times_in_office_hours')] %}
        (select (entry ->> 'response_time')::bigint
           from jsonb_array_elements(case when jsonb_typeof({{ times }}) = 'array'
                                          then {{ times }} else '[]'::jsonb end)
                with ordinality as listed (entry, position)
          order by (entry ->> 'team_id') is not distinct from statistics.team_assignee_id desc, position
          limit 1) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from statistics
)

select
    enhanced.*,
    timeline.count_reopens,
    timeline.count_total_parts,
    timeline.count_assignments,
    timeline.first_contact_reply_at,
    timeline.first_assignment_at,
    {{ minutes_between('enhanced.conversation_created_at', 'timeline.first_assignment_at') }} as time_to_first_assignment_minutes,
    timeline.first_admin_response_at,
    {{ minutes_between('enhanced.conversation_created_at', 'timeline.first_admin_response_at') }} as time_to_first_response_minutes,
    {{ minutes_between('timeline.first_contact_reply_at', 'timeline.first_admin_close_at') }} as time_to_admin_first_close_minutes,
    {{ minutes_between('timeline.first_contact_reply_at', 'timeline.first_close_at') }} as time_to_first_close_minutes,
    timeline.first_reopen_at,
    timeline.last_assignment_at,
    {{ minutes_between('enhanced.conversation_created_at', 'timeline.last_assignment_at') }} as time_to_last_assignment_minutes,
    timeline.last_contact_reply_at,
    timeline.last_admin_response_at,
    timeline.last_reopen_at,
    {{ minutes_between('timeline.first_contact_reply_at', 'timeline.last_admin_close_at') }} as time_to_admin_last_close_minutes,
    {{ minutes_between('timeline.first_contact_reply_at', 'timeline.last_close_at') }} as time_to_last_close_minutes,
    -- Not in dbt_intercom:
    timeline.first_contact_reply_source,
    {{ seconds_to_minutes('statistics.stat_time_to_admin_reply') }} as office_hours_time_to_first_response_minutes,
    {{ seconds_to_minutes('statistics.stat_time_to_first_close') }} as office_hours_time_to_first_close_minutes,
    {{ seconds_to_minutes('statistics.stat_time_to_last_close') }} as office_hours_time_to_last_close_minutes,
    {{ seconds_to_minutes('statistics.stat_median_time_to_reply') }} as office_hours_median_time_to_reply_minutes,
    {{ seconds_to_minutes('statistics.stat_handling_time') }} as handling_time_minutes,
    {{ seconds_to_minutes('statistics.stat_adjusted_handling_time') }} as adjusted_handling_time_minutes,
    {{ seconds_to_minutes('team_response_times.team_first_response_seconds') }} as team_first_response_time_minutes,
    {{ seconds_to_minutes('team_response_times.team_first_response_in_office_hours_seconds') }} as team_first_response_time_in_office_hours_minutes
from enhanced
join timeline using (conversation_id)
join statistics using (conversation_id)
join team_response_times using (conversation_id)
