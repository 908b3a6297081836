select
    {{ kc_col('realm') }} as realm,
    {{ kc_col('id') }} as group_id,
    {{ kc_col('name') }} as name,
    {{ kc_col('path') }} as path
from {{ source('keycloak', 'groups') }}
