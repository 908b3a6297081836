select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as event_id,
    {{ kc_col('time') }} as time_ms,
    {{ kc_col('type') }} as event_type,
    {{ kc_col('clientId') }} as client_id,
    {{ kc_col('userId') }} as user_id,
    {{ kc_col('sessionId') }} as session_id,
    {{ kc_col('ipAddress') }} as ip_address,
    {{ kc_col('error') }} as error
from {{ source('keycloak', 'events') }}
