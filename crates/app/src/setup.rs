//! First run: while no platform administrator exists, `serve` prints a one-time set-up token
//! and the console's set-up page creates the first administrator with it (the CLI's
//! `admin create` does the same from the server's shell).

use omnihub_store::{platform, staff};

use crate::entropy::random_bytes;
use crate::error::{Error, Result};
use crate::{Actor, App};

const TOKEN_KEY: &str = "setup_token_hash";

/// Whether the platform still needs its first administrator.
pub async fn needed(app: &App) -> Result<bool> {
    let mut tx = app.db.begin_read().await?;
    Ok(staff::count_platform_admins(&mut tx).await? == 0)
}

/// When set-up is needed, a fresh one-time token (replacing any earlier one) to print;
/// `None` when an administrator exists.
pub async fn issue_token(app: &App) -> Result<Option<String>> {
    let mut tx = app.db.begin_write().await?;
    if staff::count_platform_admins(&mut tx).await? > 0 {
        platform::delete(&mut tx, TOKEN_KEY).await?;
        tx.commit().await?;
        return Ok(None);
    }
    let raw: [u8; 16] = random_bytes(app.entropy.as_ref());
    let token = hex::encode(raw);
    let hash = hex::encode(app.secrets.keyed_hash(token.as_bytes())?);
    platform::put(
        &mut tx,
        TOKEN_KEY,
        &hash,
        omnihub_store::time::to_db(app.now()),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Creates the first administrator with the printed token; the token then stops working.
pub async fn complete(
    app: &App,
    meta: crate::RequestMeta,
    token: &str,
    email: &str,
    password: &str,
) -> Result<crate::staff::StaffUser> {
    let mut tx = app.db.begin_read().await?;
    let stored = platform::get(&mut tx, TOKEN_KEY).await?;
    let admins = staff::count_platform_admins(&mut tx).await?;
    drop(tx);
    let presented = hex::encode(app.secrets.keyed_hash(token.trim().as_bytes())?);
    let valid = stored.is_some_and(|s| {
        s.len() == presented.len()
            && s.bytes()
                .zip(presented.bytes())
                .fold(0u8, |a, (x, y)| a | (x ^ y))
                == 0
    });
    if admins > 0 || !valid {
        return Err(Error::invalid(
            "token",
            "invalid",
            "the set-up token is not valid (it is printed in the server log at start-up)",
        ));
    }
    let actor = Actor {
        meta,
        ..Actor::system()
    };
    let user = crate::staff::create_platform_admin(app, &actor, email, password).await?;
    let mut tx = app.db.begin_write().await?;
    platform::delete(&mut tx, TOKEN_KEY).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(user)
}
