select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as session_id,
    {{ kc_col('offline') }} as is_offline,
    {{ kc_col('userId') }} as user_id,
    {{ kc_col('username') }} as username,
    {{ kc_col('ipAddress') }} as ip_address,
    {{ kc_col('start') }} as start_ms,
    {{ kc_col('lastAccess') }} as last_access_ms
from {{ source('keycloak', 'user_sessions') }}
