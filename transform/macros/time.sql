{% macro utc_timestamp(text_expression) -%}
    {#- An RFC 3339 string (as the tap writes timestamps inside JSON objects) as a UTC timestamp
        without time zone, like the timestamp columns target-postgres loads. -#}
    (({{ text_expression }})::timestamptz at time zone 'UTC')
{%- endmacro %}

{% macro minutes_between(start_at, end_at) -%}
    {#- Calendar minutes from start_at to end_at, to two decimals, as dbt_intercom reports them. -#}
    round((extract(epoch from ({{ end_at }}) - ({{ start_at }})) / 60)::numeric, 2)
{%- endmacro %}

{% macro seconds_to_minutes(seconds_expression) -%}
    round((({{ seconds_expression }})::numeric / 60), 2)
{%- endmacro %}
