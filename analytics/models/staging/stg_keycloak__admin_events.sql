select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as event_id,
    {{ kc_col('time') }} as time_ms,
    {{ kc_col('operationType') }} as operation_type,
    {{ kc_col('resourceType') }} as resource_type,
    {{ kc_col('resourcePath') }} as resource_path,
    {{ kc_col('error') }} as error,
    {{ kc_json_text(kc_col('authDetails'), 'userId') }} as actor_user_id,
    {{ kc_json_text(kc_col('authDetails'), 'clientId') }} as actor_client_uuid,
    {{ kc_json_text(kc_col('authDetails'), 'realmId') }} as actor_realm_id,
    {{ kc_json_text(kc_col('authDetails'), 'ipAddress') }} as actor_ip_address
from {{ source('keycloak', 'admin_events') }}
