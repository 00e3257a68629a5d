//! Google's partial-response syntax (`fields=`): `a,b(c,d/e),f/g`, nested parentheses, `/`
//! paths and `*`. Applied to every successful JSON response; arrays are filtered per element.
//! A name the method's response schema (from discovery) does not have is refused up front with
//! Google's 400 "Invalid field selection NAME", even if that field would be absent anyway.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// Field → sub-selection (`None` = the whole field).
    fields: BTreeMap<String, Option<Selection>>,
    /// The names in the order they were written: an error names the first unknown one.
    order: Vec<String>,
}

impl Selection {
    pub fn parse(spec: &str) -> Result<Selection, String> {
        let chars: Vec<char> = spec.chars().filter(|c| !c.is_whitespace()).collect();
        let mut pos = 0;
        let sel = parse_list(&chars, &mut pos)?;
        if pos != chars.len() {
            return Err(format!("Invalid field selection {spec}"));
        }
        Ok(sel)
    }

    fn merge(&mut self, path: &[String], sub: Option<Selection>) {
        let (head, rest) = path.split_first().expect("non-empty path");
        if !self.fields.contains_key(head) {
            self.order.push(head.clone());
        }
        if rest.is_empty() {
            match (self.fields.get_mut(head), sub) {
                (Some(Some(existing)), Some(new)) => {
                    for name in new.order {
                        let sub = new.fields.get(&name).cloned().flatten();
                        existing.merge(&[name], sub);
                    }
                }
                (_, sub) => {
                    self.fields.insert(head.clone(), sub);
                }
            }
        } else {
            let entry = self
                .fields
                .entry(head.clone())
                .or_insert_with(|| Some(Selection::default()));
            if let Some(inner) = entry {
                inner.merge(rest, sub);
            }
        }
    }

    /// The first selected name that `schema` (a discovery schema of `doc`) does not define.
    pub fn unknown_field(&self, doc: &Value, schema: &Value) -> Option<String> {
        let schema = resolve(doc, schema);
        if schema["type"] == "array" {
            return self.unknown_field(doc, &schema["items"]);
        }
        let props = schema["properties"].as_object();
        let open = &schema["additionalProperties"];
        for name in &self.order {
            let sub = &self.fields[name];
            let field = match props.and_then(|p| p.get(name)) {
                Some(f) => f,
                None if name == "*" => continue,
                // A map (`additionalProperties`) takes any key; a schema that declares neither
                // properties nor a map (`type: any`) is not checked.
                None if open.is_object() => open,
                None if props.is_none() => continue,
                None => return Some(name.clone()),
            };
            if let Some(inner) = sub {
                if let Some(bad) = inner.unknown_field(doc, field) {
                    return Some(bad);
                }
            }
        }
        None
    }

    pub fn apply(&self, v: &Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(items.iter().map(|i| self.apply(i)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, val) in map {
                    let sel = self.fields.get(k).or_else(|| self.fields.get("*"));
                    match sel {
                        Some(None) => {
                            out.insert(k.clone(), val.clone());
                        }
                        Some(Some(sub)) => {
                            out.insert(k.clone(), sub.apply(val));
                        }
                        None => {}
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

/// Follows `$ref` to the named schema of `doc`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(name) => &doc["schemas"][name],
        None => schema,
    }
}

fn parse_list(c: &[char], pos: &mut usize) -> Result<Selection, String> {
    let mut sel = Selection::default();
    loop {
        let mut path = vec![String::new()];
        while *pos < c.len() && !matches!(c[*pos], ',' | '(' | ')') {
            if c[*pos] == '/' {
                path.push(String::new());
            } else {
                path.last_mut().expect("path").push(c[*pos]);
            }
            *pos += 1;
        }
        if path.iter().any(|p| p.is_empty()) {
            return Err("Invalid field selection: empty field name".into());
        }
        let sub = if *pos < c.len() && c[*pos] == '(' {
            *pos += 1;
            let inner = parse_list(c, pos)?;
            if *pos >= c.len() || c[*pos] != ')' {
                return Err("Invalid field selection: missing )".into());
            }
            *pos += 1;
            Some(inner)
        } else {
            None
        };
        sel.merge(&path, sub);
        if *pos < c.len() && c[*pos] == ',' {
            *pos += 1;
            continue;
        }
        return Ok(sel);
    }
}
