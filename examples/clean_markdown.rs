//! Cleans Markdown bodies as the tools do before the model reads them: a JSON array of
//! strings on stdin, the cleaned bodies as a JSON array on stdout. `tests/markdown/
//! differential.py` compares what stays with what GitHub's parser (cmark-gfm) shows.

use github_mcp_worker::tools::markdown::clean_markdown;
use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let bodies: Vec<String> = serde_json::from_str(&input)?;
    let cleaned: Vec<String> = bodies.iter().map(|body| clean_markdown(body)).collect();
    println!("{}", serde_json::to_string(&cleaned)?);
    Ok(())
}
