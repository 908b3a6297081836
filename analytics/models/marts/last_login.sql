-- The last successful login of every user /users lists: the latest LOGIN event, or the
-- latest start of a session still open (online or offline), whichever is later. Null when
-- neither is known; see the history columns for how far back "known" reaches.
with logins as (
    select realm, user_id, max(time_ms) as last_login_event_ms, count(*) as login_events
    from {{ ref('stg_keycloak__events') }}
    where event_type = 'LOGIN' and error is null and user_id is not null
    group by realm, user_id
),
sessions as (
    select realm, user_id, max(start_ms) as last_session_start_ms,
           max(last_access_ms) as last_session_access_ms, count(*) as open_sessions
    from {{ ref('stg_keycloak__user_sessions') }}
    where user_id is not null
    group by realm, user_id
),
joined as (
    select
        u.realm,
        u.user_id,
        u.username,
        u.enabled,
        u.created_ms,
        l.last_login_event_ms,
        coalesce(l.login_events, 0) as login_events,
        s.last_session_start_ms,
        s.last_session_access_ms,
        coalesce(s.open_sessions, 0) as open_sessions,
        case
            when l.last_login_event_ms is null then s.last_session_start_ms
            when s.last_session_start_ms is null then l.last_login_event_ms
            when s.last_session_start_ms > l.last_login_event_ms then s.last_session_start_ms
            else l.last_login_event_ms
        end as last_login_ms,
        h.events_enabled and h.records_login as login_events_recorded,
        h.oldest_event_ms
    from {{ ref('stg_keycloak__users') }} u
    left join logins l on l.realm = u.realm and l.user_id = u.user_id
    left join sessions s on s.realm = u.realm and s.user_id = u.user_id
    left join {{ ref('stg_keycloak__event_history') }} h on h.realm = u.realm
)
select
    {{ kc_key(['realm', 'user_id']) }} as user_key,
    realm,
    user_id,
    username,
    enabled,
    {{ kc_ms_to_ts('created_ms') }} as created_at,
    last_login_ms,
    {{ kc_ms_to_ts('last_login_ms') }} as last_login_at,
    case
        when last_login_ms is null then null
        when last_login_ms = last_login_event_ms then 'event'
        else 'session'
    end as last_login_source,
    login_events,
    open_sessions,
    {{ kc_ms_to_ts('last_session_access_ms') }} as last_session_access_at,
    coalesce(login_events_recorded, false) as login_events_recorded,
    {{ kc_ms_to_ts('oldest_event_ms') }} as login_history_since,
    created_ms
from joined
