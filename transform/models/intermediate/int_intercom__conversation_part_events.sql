-- What the loaded parts of each conversation say: first and last replies, assignments, reopens
-- and closes. For conversations past the 500-part cap these cover only the most recent parts;
-- int_intercom__conversation_timeline decides what to trust.
{%- set contact_types = "('user', 'lead', 'contact')" %}
{%- set is_admin_reply = "part_type = 'comment' and author_type = 'admin'" %}
{%- set is_contact_part = "author_type in " ~ contact_types %}
{%- set is_assignment = "part_type like '%assignment%'" %}
{%- set is_close = "part_type = 'close'" %}
{%- set is_admin_close = "part_type = 'close' and author_type = 'admin'" %}
{%- set is_team_assignment = "assigned_to_type = 'team'" %}

select
    conversation_id,
    count(*) as count_loaded_parts,
    min(created_at) filter (where {{ is_admin_reply }}) as first_admin_response_at,
    max(created_at) filter (where {{ is_admin_reply }}) as last_admin_response_at,
    min(created_at) filter (where {{ is_contact_part }} and part_type = 'comment') as first_contact_comment_at,
    max(created_at) filter (where {{ is_contact_part }}) as last_contact_reply_at,
    min(created_at) filter (where {{ is_assignment }}) as first_assignment_at,
    max(created_at) filter (where {{ is_assignment }}) as last_assignment_at,
    count(*) filter (where {{ is_assignment }}) as count_assignments,
    min(created_at) filter (where part_type = 'open') as first_reopen_at,
    max(created_at) filter (where part_type = 'open') as last_reopen_at,
    count(*) filter (where part_type = 'open') as count_reopens,
    min(created_at) filter (where {{ is_close }}) as first_close_at,
    max(created_at) filter (where {{ is_close }}) as last_close_at,
    min(created_at) filter (where {{ is_admin_close }}) as first_admin_close_at,
    max(created_at) filter (where {{ is_admin_close }}) as last_admin_close_at,
    {%- for name, condition, column in [
        ('close_by_author_id', is_close, 'author_id'),
        ('close_by_admin_id', is_admin_close, 'author_id'),
        ('contact_author_id', is_contact_part, 'author_id'),
        ('team_id', is_team_assignment, 'assigned_to_id')] %}
    (array_agg({{ column }} order by created_at, conversation_part_id)
        filter (where {{ condition }}))[1] as first_{{ name }},
    (array_agg({{ column }} order by created_at desc, conversation_part_id desc)
        filter (where {{ condition }}))[1] as last_{{ name }},
    {%- endfor %}
    string_agg(distinct author_id, ', ' order by author_id)
        filter (where author_type = 'admin') as part_admin_ids,
    string_agg(distinct author_id, ', ' order by author_id)
        filter (where {{ is_contact_part }}) as part_contact_ids
from {{ ref('stg_intercom__conversation_parts') }}
group by conversation_id
