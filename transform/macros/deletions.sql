{#- A condition keeping the rows whose `column` names nothing Intercom deleted: ids in the loaded
    deletion table `deletions` (deleted_conversations, deleted_contacts) are left out. Without
    that table (a version before 2.16 or Preview, no reconciliation) every row stays. -#}
{% macro not_deleted(column, deletions) -%}
  {%- set relation = intercom_loaded(deletions) if execute else none -%}
  {%- if relation is not none -%}
    {{ column }} not in (select id from {{ relation }} where id is not null)
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}
