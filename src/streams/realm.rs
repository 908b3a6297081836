//! The realm's own settings, one record per realm (its secrets go by the table's policy).

use super::{Ctx, Emit, End, with_realm};
use crate::error::{Error, Result};

pub fn read(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let realm = ctx.client.get_admin(ctx.realm, &[], &[])?;
    // Any admin gets a cut-down representation (name and display settings, no id);
    // the full one needs view-realm. A partial record would have no primary key.
    if realm.get("id").and_then(|id| id.as_str()).is_none() {
        return Err(Error::RoleMissing {
            path: format!("/admin/realms/{}", ctx.realm),
            detail: "Keycloak returned only the public part of the realm (no id)".into(),
        });
    }
    emit(with_realm(realm, ctx.realm))?;
    Ok(End::Done)
}
