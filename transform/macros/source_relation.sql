{% macro source_relation() -%}
    {#- Where the rows came from, as dbt_intercom names a single connection: database.schema. -#}
    '{{ target.database }}.{{ env_var("DBT_POSTGRES_SOURCE_SCHEMA", "intercom") }}'::text as source_relation
{%- endmacro %}
