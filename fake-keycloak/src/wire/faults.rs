//! Fault injection rules: which requests they match, how many times they fire,
//! and what they do (`exchange.rs` applies them).

use std::time::Duration;

/// A fault to inject into matching requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status, extra headers and body (e.g. 429 with
    /// Retry-After, 503). Content-Type defaults to application/json unless
    /// `headers` sets one.
    Status {
        code: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// 401 `{"error":"HTTP 401 Unauthorized"}` even with a valid token.
    Unauthorized,
    /// Read the request, then close the socket without any response.
    ResetBeforeBody,
    /// Send the normal response's headers with its full Content-Length, then
    /// only half of the body, then close.
    TruncatedBody,
    /// A complete HTTP answer (status 200, correct Content-Length) whose JSON
    /// body is cut in half.
    CutJson,
    /// Sleep, then serve normally.
    Delay(Duration),
    /// 200 text/html `<html><body>Bad gateway</body></html>`.
    Html200,
    /// Ignore `first`: always return the page starting at 0.
    RepeatFirstPage,
}

/// A fault that fires on requests whose target (path plus `?query`, as sent)
/// contains `path_contains` and whose method equals `method` (any if `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    pub path_contains: String,
    pub method: Option<String>,
    /// How many more times it fires; `usize::MAX` means forever.
    pub times: usize,
    pub fault: Fault,
}

impl FaultRule {
    /// A rule for any method.
    pub fn new(path_contains: &str, times: usize, fault: Fault) -> FaultRule {
        FaultRule {
            path_contains: path_contains.to_string(),
            method: None,
            times,
            fault,
        }
    }

    fn matches(&self, method: &str, target: &str) -> bool {
        self.times > 0
            && target.contains(&self.path_contains)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// The first rule (in order) that matches and has times left fires: its count
/// drops by one (unless it is `usize::MAX`) and its fault is returned.
pub(crate) fn take(rules: &mut [FaultRule], method: &str, target: &str) -> Option<Fault> {
    let rule = rules.iter_mut().find(|r| r.matches(method, target))?;
    if rule.times != usize::MAX {
        rule.times -= 1;
    }
    Some(rule.fault.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_fires_n_times_then_stops() {
        let mut rules = vec![FaultRule::new("/users", 2, Fault::Unauthorized)];
        assert_eq!(
            take(&mut rules, "GET", "/admin/realms/a/users?first=0"),
            Some(Fault::Unauthorized)
        );
        assert_eq!(
            take(&mut rules, "GET", "/admin/realms/a/users"),
            Some(Fault::Unauthorized)
        );
        assert_eq!(take(&mut rules, "GET", "/admin/realms/a/users"), None);
    }

    #[test]
    fn first_matching_rule_wins_and_method_filters() {
        let mut post_only = FaultRule::new("token", 1, Fault::Html200);
        post_only.method = Some("POST".into());
        let mut rules = vec![
            post_only,
            FaultRule::new("token", usize::MAX, Fault::ResetBeforeBody),
        ];
        assert_eq!(
            take(&mut rules, "GET", "/x/token"),
            Some(Fault::ResetBeforeBody)
        );
        assert_eq!(take(&mut rules, "post", "/x/token"), Some(Fault::Html200));
        assert_eq!(
            take(&mut rules, "POST", "/x/token"),
            Some(Fault::ResetBeforeBody)
        );
        assert_eq!(rules[1].times, usize::MAX);
        assert_eq!(take(&mut rules, "GET", "/other"), None);
    }
}
