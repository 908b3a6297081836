//! The realm's own settings, one record per realm, without any secret.

use super::{Ctx, Emit, End, with_realm};
use crate::error::Result;
use crate::secrets;

pub fn read(ctx: &Ctx, emit: &mut Emit) -> Result<End> {
    let mut realm = ctx.client.get_admin(ctx.realm, &[], &[])?;
    secrets::strip_deep(&mut realm);
    emit(with_realm(realm, ctx.realm))?;
    Ok(End::Done)
}
