-- Per realm, the share of enabled users with at least one second factor.
select
    realm,
    count(*) as enabled_users,
    count(case when has_second_factor then 1 end) as covered_users,
    count(case when not has_second_factor then 1 end) as uncovered_users,
    count(case when has_otp then 1 end) as users_with_otp,
    count(case when has_webauthn then 1 end) as users_with_webauthn,
    count(case when has_passkey then 1 end) as users_with_passkey,
    count(case when has_recovery_codes then 1 end) as users_with_recovery_codes,
    round(cast(count(case when has_second_factor then 1 end) as numeric) * 100 / count(*), 1)
        as covered_percent
from {{ ref('mfa_coverage') }}
group by realm
