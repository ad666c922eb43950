{#- The load job's last step (`dbt run-operation retire_removed_rows`, the dbt-postgres command
    `retire`): what Intercom no longer has leaves the loaded tables, as target-postgres does for
    full tables. Deleted when the var intercom_hard_delete is true (as `hard_delete` in
    meltano.yml), else marked with `_sdc_deleted_at`. Tables the load did not create are skipped. -#}

{#- Relationship table: (its parent's key, the parent's version column, parent tables, the
    deletion table of its parents). -#}
{% macro intercom_relationships() %}
  {{ return({
      'contact_tags': ('contact_id', 'contact_updated_at', ['users', 'contacts'], 'deleted_contacts'),
      'contact_companies': ('contact_id', 'contact_updated_at', ['users', 'contacts'], 'deleted_contacts'),
      'contact_segments': ('contact_id', 'contact_updated_at', ['users', 'contacts'], 'deleted_contacts'),
      'company_tags': ('company_id', 'company_updated_at', ['companies'], none),
      'company_segments': ('company_id', 'company_updated_at', ['companies'], none),
      'conversation_tags': ('conversation_id', 'conversation_updated_at', ['conversations'], 'deleted_conversations'),
      'conversation_contacts': ('conversation_id', 'conversation_updated_at', ['conversations'], 'deleted_conversations'),
      'conversation_teammates': ('conversation_id', 'conversation_updated_at', ['conversations'], 'deleted_conversations'),
  }) }}
{% endmacro %}

{#- A table tap-intercom loaded, or none when this load has not created it. -#}
{% macro intercom_loaded(name) %}
  {{ return(adapter.get_relation(database=target.database,
                                 schema=env_var('DBT_POSTGRES_SOURCE_SCHEMA', 'intercom'),
                                 identifier=name)) }}
{% endmacro %}

{#- Rows matching `condition` deleted, or marked; how many. -#}
{% macro retire_rows(relation, condition, hard_delete) %}
  {%- if hard_delete -%}
    {%- set sql -%}
      with gone as (delete from {{ relation }} as r where {{ condition }} returning 1)
      select count(*) from gone
    {%- endset -%}
  {%- else -%}
    {%- set sql -%}
      with gone as (update {{ relation }} as r set _sdc_deleted_at = now()
                     where r._sdc_deleted_at is null and ({{ condition }}) returning 1)
      select count(*) from gone
    {%- endset -%}
  {%- endif -%}
  {{ return(run_query(sql).columns[0].values()[0]) }}
{% endmacro %}

{#- With contact_ids loaded (reconcile_deleted_contacts): each loaded user or lead that changed
    last before the listing began and is not listed becomes a deleted_contacts row. -#}
{% macro reconcile_contacts() %}
  {%- set listed = intercom_loaded('contact_ids') -%}
  {%- set people = [] -%}
  {%- for name in ['users', 'contacts'] if intercom_loaded(name) is not none -%}
    {%- do people.append('select id, role, updated_at from ' ~ intercom_loaded(name)) -%}
  {%- endfor -%}
  {%- if listed is none or not people -%}{{ return(0) }}{%- endif -%}
  {%- set deleted = intercom_loaded('deleted_contacts') -%}
  {%- if deleted is none -%}
    {%- set deleted = api.Relation.create(database=target.database, identifier='deleted_contacts',
                                          schema=env_var('DBT_POSTGRES_SOURCE_SCHEMA', 'intercom')) -%}
    {%- do run_query('create table ' ~ deleted ~ ' (id text primary key, event_type text,
        activity_id text, external_id text, role text, merged_into_id text,
        deleted_at timestamptz, _sdc_deleted_at timestamptz)') -%}
  {%- endif -%}
  {%- set sql -%}
    with current_listing as (
        select min(listed_at) as listed_at from {{ listed }} where _sdc_deleted_at is null
    ), gone as (
        insert into {{ deleted }} (id, event_type, role, deleted_at, _sdc_deleted_at)
        select p.id, 'contact.missing', max(p.role), l.listed_at, l.listed_at
          from ({{ people | join(' union all ') }}) as p
         cross join current_listing as l
         where not exists (select 1 from {{ listed }} as c
                            where c.id = p.id and c._sdc_deleted_at is null)
           and not exists (select 1 from {{ deleted }} as d where d.id = p.id)
         group by p.id, l.listed_at
        having max(p.updated_at) < l.listed_at
        returning 1
    )
    select count(*) from gone
  {%- endset -%}
  {{ return(run_query(sql).columns[0].values()[0]) }}
{% endmacro %}

{% macro retire_removed_rows() %}
  {%- set hard_delete = var('intercom_hard_delete') -%}
  {%- set missing = reconcile_contacts() -%}
  {{ log('contacts no longer listed, added to deleted_contacts: ' ~ missing, info=true) }}
  {%- for name, spec in intercom_relationships().items() -%}
    {%- set key, version, parent_names, deletion_name = spec -%}
    {%- set relation = intercom_loaded(name) -%}
    {%- set parents = [] -%}
    {%- for parent in parent_names if intercom_loaded(parent) is not none -%}
      {%- do parents.append('select id, updated_at from ' ~ intercom_loaded(parent)) -%}
    {%- endfor -%}
    {%- if relation is not none and parents -%}
      {#- A changed parent's links are all loaded again with its new updated_at: older ones
          are links it lost. -#}
      {%- set conditions = ['r.' ~ version ~ ' < (select max(p.updated_at) from ('
                            ~ parents | join(' union all ') ~ ') as p where p.id = r.' ~ key ~ ')'] -%}
      {%- set deletions = intercom_loaded(deletion_name) if deletion_name else none -%}
      {%- if deletions is not none -%}
        {%- do conditions.append('r.' ~ key ~ ' in (select id from ' ~ deletions ~ ')') -%}
      {%- endif -%}
      {%- if name.startswith('company_') -%}
        {#- Companies loaded as a versioned full table lose the rows of deleted companies. -#}
        {%- set companies = intercom_loaded('companies') -%}
        {%- do conditions.append('(exists (select 1 from ' ~ companies ~ ' where _sdc_table_version
            is not null) and not exists (select 1 from ' ~ companies ~ ' as p where p.id = r.'
            ~ key ~ ' and p._sdc_deleted_at is null))') -%}
      {%- endif -%}
      {%- set count = retire_rows(relation, conditions | join(' or '), hard_delete) -%}
      {{ log(name ~ ': ' ~ count ~ (' deleted' if hard_delete else ' marked deleted'), info=true) }}
    {%- endif -%}
  {%- endfor -%}
{% endmacro %}
