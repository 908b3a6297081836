//! Input state, in every form hosts send it: a list of STATE messages (per-stream, global
//! or legacy), an empty list, a single message, or the legacy bare object
//! `{stream_name: state}`. The result is one state value per stream name. Anything that
//! cannot be read as state is ignored with a warning: every stream then starts from the
//! beginning, which loses nothing. State for streams this source does not have (another
//! connector's state) is ignored with a warning too. A state file that is not JSON at
//! all is a config error (see `config::read_json_file`): the host sent something broken.

use std::collections::HashMap;

use serde_json::{Map, Value};

#[derive(Debug, Default)]
pub struct InputState {
    pub streams: HashMap<String, Value>,
    pub warnings: Vec<String>,
}

pub fn parse(value: &Value) -> InputState {
    let mut state = InputState::default();
    match value {
        Value::Null => {}
        Value::Array(messages) => {
            for message in messages {
                state.add_message(message);
            }
        }
        Value::Object(obj) if obj.contains_key("type") || obj.contains_key("stream") => {
            state.add_message(value)
        }
        Value::Object(obj) if obj.contains_key("data") => state.add_legacy(&obj["data"]),
        Value::Object(obj) => state.add_legacy_map(obj),
        _ => state.warn("the state is neither a list of state messages nor an object"),
    }
    let mut unknown: Vec<&str> = state
        .streams
        .keys()
        .map(String::as_str)
        .filter(|name| crate::streams::find(name).is_none())
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        let warning = format!(
            "ignoring the input state of stream(s) {}, which this source does not have (a \
             state from another connector?); streams without state are read from the start",
            unknown.join(", ")
        );
        state.warnings.push(warning);
    }
    state
}

impl InputState {
    fn warn(&mut self, what: &str) {
        self.warnings.push(format!(
            "ignoring unreadable input state: {what}; reading every stream in full"
        ));
    }

    fn add_message(&mut self, message: &Value) {
        let message = message.get("state").unwrap_or(message);
        match message.get("type").and_then(Value::as_str) {
            Some("STREAM") | None if message.get("stream").is_some() => {
                let stream = &message["stream"];
                match stream
                    .pointer("/stream_descriptor/name")
                    .and_then(Value::as_str)
                {
                    Some(name) => self.put(name, &stream["stream_state"]),
                    None => self.warn("a STREAM state without stream_descriptor.name"),
                }
            }
            Some("GLOBAL") => {
                let states = message
                    .pointer("/global/stream_states")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for stream in &states {
                    if let Some(name) = stream
                        .pointer("/stream_descriptor/name")
                        .and_then(Value::as_str)
                    {
                        self.put(name, &stream["stream_state"]);
                    }
                }
            }
            Some("LEGACY") | None if message.get("data").is_some() => {
                self.add_legacy(&message["data"])
            }
            _ => self.warn("a state message of unknown type"),
        }
    }

    fn add_legacy(&mut self, data: &Value) {
        match data {
            Value::Object(obj) => self.add_legacy_map(obj),
            _ => self.warn("legacy state data is not an object"),
        }
    }

    fn add_legacy_map(&mut self, obj: &Map<String, Value>) {
        for (name, value) in obj {
            self.put(name, value);
        }
    }

    fn put(&mut self, name: &str, value: &Value) {
        if !value.is_null() {
            self.streams.insert(name.to_string(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(s: &InputState) -> Vec<&str> {
        let mut v: Vec<&str> = s.streams.keys().map(String::as_str).collect();
        v.sort();
        v
    }

    #[test]
    fn every_input_form() {
        let stream_msg = json!({"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "events"}, "stream_state": {"a": 1}}});
        assert!(parse(&json!([])).streams.is_empty());
        assert_eq!(names(&parse(&json!([stream_msg.clone()]))), ["events"]);
        assert_eq!(names(&parse(&stream_msg)), ["events"]);
        assert_eq!(
            names(&parse(&json!({"type": "STATE", "state": stream_msg}))),
            ["events"]
        );
        assert_eq!(names(&parse(&json!({"events": {"a": 1}}))), ["events"]);
        assert_eq!(
            names(&parse(&json!([{"type": "LEGACY", "data": {"x": {}}}]))),
            ["x"]
        );
        let global = json!([{"type": "GLOBAL", "global": {"shared_state": {}, "stream_states": [
            {"stream_descriptor": {"name": "g"}, "stream_state": {"b": 2}}]}}]);
        assert_eq!(names(&parse(&global)), ["g"]);
    }

    #[test]
    fn another_connectors_state_is_named_in_a_warning() {
        let s = parse(&json!([{"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "customers"}, "stream_state": {"cursor": 1}}}]));
        assert_eq!(s.warnings.len(), 1);
        assert!(s.warnings[0].contains("customers"), "{}", s.warnings[0]);
        assert!(parse(&json!({"events": {}})).warnings.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_json_is_a_state_or_warnings(value in crate::arb::json()) {
            let state = parse(&value);
            for value in state.streams.values() {
                proptest::prop_assert!(!value.is_null());
            }
        }

        #[test]
        fn any_stream_state_inside_a_message(inner in crate::arb::json()) {
            let _ = parse(&json!([{"type": "STREAM", "stream": {
                "stream_descriptor": {"name": "events"}, "stream_state": inner.clone()}},
                {"type": "GLOBAL", "global": {"stream_states": [inner.clone()]}},
                {"type": "LEGACY", "data": inner}]));
        }
    }

    #[test]
    fn garbage_warns_and_reads_in_full() {
        for bad in [json!(7), json!("x"), json!([{"type": "WHAT"}])] {
            let s = parse(&bad);
            assert!(s.streams.is_empty());
            assert_eq!(s.warnings.len(), 1, "{bad}");
        }
    }
}
