//! The claims page: per article, a paragraph made from the verdicts, and per claim one
//! row per test and machine × toolchain pair, the published figure beside the measured
//! one (`analyse::claims`, rules in docs/claims.md).

use serde::Serialize;

use super::Inputs;
use crate::analyse::claims::{self, Claims, Row};

#[derive(Serialize)]
struct ArticleView<'a> {
    id: &'a str,
    title: &'a str,
    hardware: &'a str,
    paragraph: String,
    claims: Vec<ClaimView<'a>>,
}

#[derive(Serialize)]
struct ClaimView<'a> {
    id: &'a str,
    statement: &'a str,
    published: &'a str,
    rows: Vec<RowView<'a>>,
}

#[derive(Serialize)]
struct RowView<'a> {
    row: &'a Row,
    verdict_text: &'static str,
    verdict_id: &'static str,
    /// The workload's page, where this site has one.
    link: Option<String>,
    /// The first row of its test: the test's label is shown once.
    first: bool,
    /// The detail without the terminal's and Markdown's code quotes.
    detail: String,
}

pub fn context(inputs: &Inputs) -> tera::Context {
    let data = Claims::shared();
    let judged = claims::judge(data, inputs.claim_runs);
    let paragraphs = claims::paragraphs(data, &judged);
    let articles: Vec<ArticleView> = data
        .article
        .iter()
        .map(|article| ArticleView {
            id: &article.id,
            title: &article.title,
            hardware: &article.hardware,
            paragraph: paragraphs
                .iter()
                .find(|p| p.id == article.id)
                .map(|p| p.text.clone())
                .unwrap_or_default(),
            claims: data
                .claim
                .iter()
                .filter(|c| c.article == article.id)
                .map(|claim| {
                    let mut last = None;
                    ClaimView {
                        id: &claim.id,
                        statement: &claim.statement,
                        published: &claim.published,
                        rows: judged
                            .rows
                            .iter()
                            .filter(|r| r.claim == claim.id)
                            .map(|row| {
                                let first = last != Some(row.test);
                                last = Some(row.test);
                                RowView {
                                    row,
                                    verdict_text: row.verdict.text(),
                                    verdict_id: row.verdict.id(),
                                    link: inputs
                                        .workloads
                                        .contains(&row.workload)
                                        .then(|| format!("workload/{}.html", row.workload)),
                                    first,
                                    detail: row.detail.replace('`', ""),
                                }
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    let mut context = tera::Context::new();
    context.insert("articles", &articles);
    context.insert("runs", &judged.runs);
    context.insert("machines", &judged.machines);
    context.insert("tolerance", &format!("{}", data.tolerance));
    context
}
