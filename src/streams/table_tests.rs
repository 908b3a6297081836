//! The conformance test of the stream table: every entry is complete and consistent
//! with its schema, the way a generated test suite checks every stream of a tap.

use super::*;

#[test]
fn every_embedded_schema_and_the_spec_parse() {
    check_embedded().expect("embedded files parse");
    for stream in STREAMS {
        let schema = stream.schema_json().expect("schema parses");
        jsonschema::draft7::new(&schema)
            .unwrap_or_else(|e| panic!("{}: not a draft-07 schema: {e}", stream.name));
    }
}

#[test]
fn every_stream_is_complete_and_matches_its_schema() {
    let mut names = std::collections::HashSet::new();
    for stream in STREAMS {
        assert!(names.insert(stream.name), "{} listed twice", stream.name);
        let schema = stream.schema_json().expect("schema parses");
        let properties = schema["properties"].as_object().expect("properties");
        assert!(
            !stream.primary_key.is_empty(),
            "{}: no primary key",
            stream.name
        );
        for key in stream.primary_key {
            assert!(
                properties.contains_key(*key),
                "{}: key {key} not in schema",
                stream.name
            );
        }
        assert!(
            properties.contains_key("realm"),
            "{}: no realm field",
            stream.name
        );
        assert!(!stream.roles.is_empty(), "{}: needs no role?", stream.name);
        // The secrets policy is a required field of the table (so no stream lacks one);
        // the fields it names must be the stream's.
        if let Policy::Embedded(fields) = stream.secrets {
            for field in fields {
                assert!(properties.contains_key(*field), "{}: {field}", stream.name);
            }
        }
        if let Some(incremental) = &stream.incremental {
            assert!(
                properties.contains_key(incremental.cursor_field),
                "{}: cursor {} not in schema",
                stream.name,
                incremental.cursor_field
            );
        }
    }
}
