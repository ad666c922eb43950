{% test unique_combination(model, columns) %}
    {#- No two rows share the same values of `columns` (NULLs compare equal, as a grain should). -#}
    select {{ columns | join(', ') }}, count(*) as rows_with_these_values
      from {{ model }}
     group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
