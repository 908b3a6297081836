-- Failed login-side events by UTC day, event type, client, error and IP address.
with failures as (
    select
        realm,
        cast({{ kc_ms_to_ts('time_ms') }} as date) as day,
        event_type,
        client_id,
        error,
        ip_address,
        user_id,
        time_ms
    from {{ ref('stg_keycloak__events') }}
    where error is not null
)
select
    {{ kc_key(['realm', 'day', 'event_type', 'client_id', 'error', 'ip_address']) }} as failure_key,
    realm,
    day,
    event_type,
    client_id,
    error,
    ip_address,
    count(*) as failures,
    count(distinct user_id) as users,
    {{ kc_ms_to_ts('min(time_ms)') }} as first_at,
    {{ kc_ms_to_ts('max(time_ms)') }} as last_at
from failures
group by realm, day, event_type, client_id, error, ip_address
