//! Fixed-window counters in the database, so a limit holds across all app instances.
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use sqlx::AnyPool;

use super::db::now;

/// The network a client address stands for in every per-address limit: the address itself
/// for IPv4, its /64 for IPv6 (one subscriber is usually handed a whole /64, so counting
/// single addresses would give each of them unlimited tries).
pub fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mask = !0u128 << 64;
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
        },
    }
}

/// Counts one hit against `bucket` and says whether it is still within `limit` hits per
/// `window`. The increment and the read are one statement, so parallel requests cannot
/// slip past the limit together.
pub async fn allow(
    pool: &AnyPool,
    bucket: &str,
    limit: i64,
    window: Duration,
) -> Result<bool, sqlx::Error> {
    let now = now();
    let window_start = now - now.rem_euclid(window.as_secs().max(1) as i64);
    let hits: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END, \
           window_start = excluded.window_start \
         RETURNING hits",
    )
    .bind(bucket)
    .bind(window_start)
    .fetch_one(pool)
    .await?;
    Ok(hits <= limit)
}

/// Whether `bucket` has already used up `limit` hits in the current window, without
/// counting one: for limits that only count failures but must then refuse everything.
pub async fn exhausted(
    pool: &AnyPool,
    bucket: &str,
    limit: i64,
    window: Duration,
) -> Result<bool, sqlx::Error> {
    let now = now();
    let window_start = now - now.rem_euclid(window.as_secs().max(1) as i64);
    let hits: Option<i64> =
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .fetch_optional(pool)
            .await?;
    Ok(hits.is_some_and(|hits| hits >= limit))
}

/// Takes back one hit counted against `bucket` (an attempt counted before it was known to
/// succeed).
pub async fn refund(pool: &AnyPool, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND hits > 0")
        .bind(bucket)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets what `bucket` has counted.
pub async fn reset(pool: &AnyPool, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM rate_limits WHERE bucket = $1")
        .bind(bucket)
        .execute(pool)
        .await?;
    Ok(())
}

/// Drops counters whose window ended long ago.
pub async fn forget_old(pool: &AnyPool, older_than: Duration) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now() - older_than.as_secs() as i64)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::network_of;

    #[test]
    fn ipv6_addresses_count_by_their_64_and_ipv4_by_itself() {
        let net = |s: &str| network_of(s.parse().unwrap()).to_string();
        assert_eq!(net("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(net("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::");
        assert_ne!(net("2001:db8:1:3::1"), net("2001:db8:1:2::1"));
        assert_eq!(net("203.0.113.7"), "203.0.113.7");
        assert_eq!(net("::ffff:203.0.113.7"), "203.0.113.7");
    }
}
