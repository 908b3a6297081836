-- Users and service accounts with admin-grade rights, one row per (account, privileged
-- role, grant path): realm-management's realm-admin and manage-* roles, the master realm's
-- admin role, and in master the manage-* roles of each <realm>-realm client (which
-- administer that other realm).
select
    access_key,
    realm,
    user_id,
    username,
    user_enabled,
    is_service_account,
    service_account_of,
    case when role_type = 'client' then client_id || '/' || role_name else role_name end
        as privilege,
    case
        when realm = 'master' and role_type = 'realm' then 'master admin'
        when client_id = 'realm-management' then 'realm administration'
        else 'administration of realm ' || substring(client_id, 1, length(client_id) - 6)
    end as scope,
    role_id,
    role_name,
    role_type,
    client_id,
    grant_source,
    grant_path,
    is_usable
from {{ ref('access_matrix') }}
where (role_type = 'client' and client_id = 'realm-management'
       and (role_name = 'realm-admin' or role_name like 'manage-%'))
   or (realm = 'master' and role_type = 'realm' and role_name = 'admin')
   or (realm = 'master' and role_type = 'client' and client_id like '%-realm'
       and role_name like 'manage-%')
