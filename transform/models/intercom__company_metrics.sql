-- intercom__company_enhanced with the conversations of the company's contacts: a conversation
-- counts for every company of the contact who started it (or first wrote in it).
with conversations as (
    select * from {{ ref('intercom__conversation_metrics') }}
),

company_conversations as (
    select contact_companies.company_id, conversations.*
    from conversations
    join {{ ref('stg_intercom__contact_companies') }} as contact_companies
        on contact_companies.contact_id = conversations.first_contact_author_id
),

metrics as (
    select
        company_id,
        count(*) as total_conversations,
        count(*) filter (where conversation_state = 'closed') as total_conversations_closed,
        round(avg(count_total_parts), 2) as average_conversation_parts,
        avg(conversation_rating) as average_conversation_rating,
        round(percentile_cont(0.5) within group (order by count_reopens)::numeric, 2)
            as median_conversations_reopened,
        round(percentile_cont(0.5) within group (order by time_to_first_response_minutes)::numeric, 2)
            as median_time_to_first_response_time_minutes,
        round(percentile_cont(0.5) within group (order by time_to_first_close_minutes)::numeric, 2)
            as median_time_to_first_close_minutes,
        round(percentile_cont(0.5) within group (order by time_to_last_close_minutes)::numeric, 2)
            as median_time_to_last_close_minutes
    from company_conversations
    group by company_id
)

select
    companies.*,
    coalesce(metrics.total_conversations_closed, 0) as total_conversations_closed,
    metrics.average_conversation_parts,
    metrics.average_conversation_rating,
    metrics.median_conversations_reopened,
    metrics.median_time_to_first_response_time_minutes,
    metrics.median_time_to_last_close_minutes,
    -- Not in dbt_intercom:
    coalesce(metrics.total_conversations, 0) as total_conversations,
    metrics.median_time_to_first_close_minutes
from {{ ref('intercom__company_enhanced') }} as companies
left join metrics using (company_id)
