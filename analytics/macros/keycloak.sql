{#- Column names, times and JSON, the same way on every host and warehouse. -#}

{#- A synced column by the stream's own name (e.g. 'createdTimestamp'), quoted as the host
    wrote it: lower-cased with non-alphanumerics as '_' (Airbyte) or unchanged (Singer). -#}
{% macro kc_col(name) -%}
  {%- set style = var('keycloak_column_names', 'lowercase') -%}
  {%- if style == 'lowercase' -%}
    {{ adapter.quote(modules.re.sub('[^a-z0-9]', '_', name | lower)) }}
  {%- elif style == 'original' -%}
    {{ adapter.quote(name) }}
  {%- else -%}
    {{ exceptions.raise_compiler_error(
        "keycloak_column_names is '" ~ style ~ "': set it to 'lowercase' for tables an Airbyte "
        ~ "host wrote (PyAirbyte, Airbyte destinations) or 'original' for a Singer target "
        ~ "that keeps the stream's names (Meltano with target-postgres)") }}
  {%- endif -%}
{%- endmacro %}

{#- Epoch milliseconds to a UTC timestamp without time zone. -#}
{% macro kc_ms_to_ts(expr) -%}
  {%- if target.type == 'postgres' -%}
    (timestamp '1970-01-01 00:00:00' + ({{ expr }}) * interval '1 millisecond')
  {%- else -%}
    epoch_ms(cast({{ expr }} as bigint))
  {%- endif -%}
{%- endmacro %}

{#- A column the stream's schema leaves untyped (the realm's settings), as boolean or
    bigint: hosts store such values as text (DuckDB) or JSON (PostgreSQL). -#}
{% macro kc_untyped_bool(column) -%}
  cast(cast({{ column }} as {{ dbt.type_string() }}) as boolean)
{%- endmacro %}
{% macro kc_untyped_int(column) -%}
  cast(cast({{ column }} as {{ dbt.type_string() }}) as bigint)
{%- endmacro %}

{#- "Now" in epoch milliseconds: the var keycloak_as_of_ms, else the time of the run. -#}
{% macro kc_as_of_ms() -%}
  {%- set as_of = var('keycloak_as_of_ms', none) -%}
  {%- if as_of is not none -%}
    cast({{ as_of | int }} as bigint)
  {%- elif target.type == 'postgres' -%}
    cast(extract(epoch from clock_timestamp()) * 1000 as bigint)
  {%- else -%}
    epoch_ms(get_current_timestamp())
  {%- endif -%}
{%- endmacro %}

{#- The start of a window of `days_var` days before "now", epoch milliseconds. -#}
{% macro kc_window_start_ms(days_var) -%}
  ({{ kc_as_of_ms() }} - cast({{ var(days_var) | float }} * 86400000 as bigint))
{%- endmacro %}

{#- A text member of a JSON object column (JSON in DuckDB, JSONB in PostgreSQL). -#}
{% macro kc_json_text(column, key) -%}
  {%- if target.type == 'postgres' -%}
    (cast({{ column }} as jsonb) ->> '{{ key }}')
  {%- else -%}
    json_extract_string({{ column }}, '$.{{ key }}')
  {%- endif -%}
{%- endmacro %}

{#- A key of text parts, for the one-column unique tests. -#}
{% macro kc_key(parts) -%}
  {%- for p in parts -%}coalesce(cast({{ p }} as {{ dbt.type_string() }}), ''){% if not loop.last %} || '|' || {% endif %}{%- endfor -%}
{%- endmacro %}

{#- Whether a realm's enabledEventTypes (text of a JSON array) includes a type; an empty or
    missing list means Keycloak's defaults, which include every login type. -#}
{% macro kc_records_event_type(column, event_type) -%}
  ({{ column }} is null or {{ column }} like '%"{{ event_type }}"%'
   or replace({{ column }}, ' ', '') = '[]')
{%- endmacro %}

{#- Why a realm's event history cannot prove that something did not happen in a window,
    or null when it can. `h` is a row of stg_keycloak__event_history, `records` its column
    saying the realm records the event type the answer looks for. -#}
{% macro kc_history_gap(h, records, event_type, window_start) -%}
  case
    when not coalesce({{ h }}.events_enabled, false) then 'login events are off in this realm'
    when not {{ h }}.{{ records }} then 'the realm does not record {{ event_type }} events'
    when {{ h }}.events_expiration_seconds * 1000 < {{ kc_as_of_ms() }} - {{ window_start }}
      then 'events expire before the window ends'
    when {{ h }}.oldest_event_ms is null then 'no event was synced'
    when {{ h }}.oldest_event_ms > {{ window_start }}
      then 'the oldest synced event is newer than the window start'
  end
{%- endmacro %}
