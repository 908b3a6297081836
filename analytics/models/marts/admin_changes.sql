-- Admin events by UTC day, actor, operation and resource type. The actor is the user id
-- in the event's authDetails (often a master-realm admin, whose name is known only when
-- that realm is synced too) and the client they acted through.
with changes as (
    select
        realm,
        cast({{ kc_ms_to_ts('time_ms') }} as date) as day,
        actor_user_id,
        actor_client_uuid,
        operation_type,
        resource_type,
        error,
        time_ms
    from {{ ref('stg_keycloak__admin_events') }}
),
actors as (
    select distinct user_id, username from {{ ref('access_matrix') }}
    union
    select user_id, username from {{ ref('stg_keycloak__users') }}
),
clients as (
    select client_uuid, client_id from {{ ref('stg_keycloak__clients') }}
)
select
    {{ kc_key(['c.realm', 'c.day', 'c.actor_user_id', 'c.actor_client_uuid', 'c.operation_type', 'c.resource_type']) }}
        as change_key,
    c.realm,
    c.day,
    c.actor_user_id,
    max(a.username) as actor_username,
    c.actor_client_uuid,
    max(k.client_id) as actor_client_id,
    c.operation_type,
    c.resource_type,
    count(*) as changes,
    count(case when c.error is not null then 1 end) as failed,
    {{ kc_ms_to_ts('min(c.time_ms)') }} as first_at,
    {{ kc_ms_to_ts('max(c.time_ms)') }} as last_at
from changes c
left join actors a on a.user_id = c.actor_user_id
left join clients k on k.client_uuid = c.actor_client_uuid
group by c.realm, c.day, c.actor_user_id, c.actor_client_uuid, c.operation_type, c.resource_type
