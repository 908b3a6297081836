select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('user_id') }} as user_id,
    {{ kc_col('username') }} as username,
    {{ kc_col('disabled') }} as locked,
    {{ kc_col('numFailures') }} as num_failures,
    {{ kc_col('numTemporaryLockouts') }} as num_temporary_lockouts,
    {{ kc_col('lastFailure') }} as last_failure_ms,
    {{ kc_col('lastIPFailure') }} as last_failure_ip
from {{ source('keycloak', 'user_brute_force_status') }}
