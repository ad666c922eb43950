{% macro conversation_statistic(relation, field, data_type='bigint') -%}
    {#- One field of a conversation's Intercom `statistics`: the flattened column
        `statistics__<field>` when the load has one (tap stream maps or flattening), otherwise the
        key of the `statistics` JSON object. Either way a field the tap does not read yet (such as
        2.16's handling_time) is NULL until it does, and the models need no change then. -#}
    {%- set flattened = 'statistics__' ~ field -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list
        if execute else [] -%}
    {%- if flattened in columns -%}
        {%- if data_type == 'jsonb' -%}
            to_jsonb({{ adapter.quote(flattened) }})
        {%- elif data_type == 'timestamp' -%}
            {{ adapter.quote(flattened) }}::timestamp
        {%- else -%}
            {{ adapter.quote(flattened) }}::{{ data_type }}
        {%- endif -%}
    {%- elif data_type == 'jsonb' -%}
        nullif(statistics -> '{{ field }}', 'null'::jsonb)
    {%- elif data_type == 'timestamp' -%}
        {{ utc_timestamp("statistics ->> '" ~ field ~ "'") }}
    {%- else -%}
        (statistics ->> '{{ field }}')::{{ data_type }}
    {%- endif -%}
{%- endmacro %}
