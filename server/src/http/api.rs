//! The sender API under `/api/v1` (DESIGN §6): its routes, and the OpenAPI document generated
//! from the handlers (`contacts`, `decisions`, `feed`, `endpoints`; `idempotency` wraps writes).

use app::pages::shell::{document, public_header, Audience};
use axum::{
    extract::DefaultBodyLimit,
    http::header,
    middleware,
    response::{Html, IntoResponse},
    routing::get,
    Router,
};
use utoipa::{Modify, OpenApi};
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt},
    routes,
};

use super::{
    contacts, decisions, endpoints,
    error::{ApiError, Problem},
    feed, idempotency, preferences,
};
use crate::state::AppState;

pub use super::extract::BODY_LIMIT;

/// The `/api/v1` routes, and the OpenAPI document of exactly those routes: each handler is
/// registered and documented by its one `routes!` line.
pub fn router(state: AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    // Idempotency wraps each route's own handlers (`route_layer`), not the router: a method the
    // route does not have is a plain 405 and an unknown path a plain 404, neither of which
    // claims or replays an Idempotency-Key.
    let idem = middleware::from_fn_with_state(state.clone(), idempotency::idempotency);
    // Decisions take a key too, but always run the rules again (DESIGN §9).
    let decision_key = middleware::from_fn_with_state(state.clone(), idempotency::decision_key);
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(
            routes!(contacts::put, contacts::get, contacts::erase)
                .map(|r| r.route_layer(idem.clone())),
        )
        .routes(routes!(preferences::patch_preferences).map(|r| r.route_layer(idem.clone())))
        .routes(routes!(contacts::export))
        .routes(routes!(decisions::one).map(|r| r.route_layer(decision_key.clone())))
        .routes(routes!(decisions::batch).map(|r| r.route_layer(decision_key)))
        .routes(routes!(feed::changes))
        .routes(routes!(feed::topics))
        .routes(
            routes!(endpoints::create_endpoint, endpoints::list_endpoints)
                .map(|r| r.route_layer(idem.clone())),
        )
        .routes(routes!(endpoints::delete_endpoint))
        .routes(routes!(endpoints::endpoint_deliveries))
        .routes(routes!(endpoints::replay_endpoint).map(|r| r.route_layer(idem.clone())))
        .routes(routes!(endpoints::rotate_secret).map(|r| r.route_layer(idem)))
        .split_for_parts();
    // What the middleware and extractors answer besides each handler's own responses.
    BearerAuth.modify(&mut doc);
    Problems.modify(&mut doc);
    let json = doc.to_json().unwrap_or_default();
    let router = router
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], json).into_response() }
            }),
        )
        .fallback(|| async {
            ApiError::not_found("There is no such API route. See /api/v1/openapi.json.")
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Outermost, so every problem written inside (handlers, extractors, the idempotency
        // layers, the fallback) names this app's base URL.
        .layer(middleware::from_fn_with_state(
            state,
            super::error::with_problem_base,
        ));
    (router, doc)
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

#[derive(OpenApi)]
#[openapi(
    info(title = "Attune sender API", version = "1", description = "Ask before you send. See DESIGN.md §6."),
    servers((url = "/api/v1")),
    components(schemas(Problem, crate::store::events::Event)),
)]
struct ApiDoc;

/// Says what every operation can answer besides its own responses, as the middleware and
/// extractors really do: every problem is `application/problem+json`; every operation can be
/// 401; one with a body can be 400, 413, 415 or 422; a write takes `Idempotency-Key` (422 when
/// it is reused with another request or is not 1–255 characters, 409 while the first runs).
struct Problems;

impl utoipa::Modify for Problems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                (false, item.get.as_mut()),
                (false, item.delete.as_mut()),
                (true, item.post.as_mut()),
                (true, item.put.as_mut()),
                (true, item.patch.as_mut()),
            ];
            for (write, op) in ops {
                let Some(op) = op else { continue };
                serve_problems_as_problem_json(op);
                add_common_problems(op, write);
            }
        }
    }
}

/// The media type of every problem the API answers (RFC 9457).
const PROBLEM_JSON: &str = "application/problem+json";

/// Re-labels the operation's own `Problem` responses from `application/json` to
/// `application/problem+json`, as they are really sent.
fn serve_problems_as_problem_json(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::RefOr;
    for response in op.responses.responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let is_problem = response.content.get("application/json").is_some_and(
            |c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")),
        );
        if is_problem {
            if let Some(c) = response.content.shift_remove("application/json") {
                response.content.insert(PROBLEM_JSON.to_owned(), c);
            }
        }
    }
}

/// Adds the problems the middleware and extractors answer for this operation (401; 400, 413 and
/// 415 with a body; 422; 409 and `Idempotency-Key` for a write), unless it documents its own.
fn add_common_problems(op: &mut utoipa::openapi::path::Operation, write: bool) {
    use utoipa::openapi::path::ParameterIn;
    add_problem(op, "401", "No valid API key (`unauthorized`)");
    if op.request_body.is_some() {
        add_problem(op, "400", "The body is not JSON (`malformed`)");
        add_problem(op, "413", "The body is over 1 MiB (`too-large`)");
        add_problem(
            op,
            "415",
            "The body is not `application/json` (`unsupported-media-type`)",
        );
    }
    let bad_parameter = op.parameters.iter().flatten().any(|p| {
        matches!(p.parameter_in, ParameterIn::Query)
            || (matches!(p.parameter_in, ParameterIn::Path) && p.name == "ref")
    });
    if op.request_body.is_some() || write || bad_parameter {
        add_problem(
            op,
            "422",
            "Not valid (`validation`): unknown fields, wrong types, bad values, a bad `ref` or query parameter",
        );
    }
    if write {
        add_problem(
            op,
            "409",
            "The first request with this Idempotency-Key is still running (`in-progress`)",
        );
        op.parameters
            .get_or_insert_with(Vec::new)
            .push(idempotency_key_parameter());
    }
}

/// Documents a problem response under `status`, unless the operation already has one there.
fn add_problem(op: &mut utoipa::openapi::path::Operation, status: &str, description: &str) {
    use utoipa::openapi::{Content, ResponseBuilder};
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    Content::new(Some(utoipa::openapi::Ref::from_schema_name("Problem"))),
                )
                .build()
                .into()
        });
}

/// The optional `Idempotency-Key` header every write takes.
fn idempotency_key_parameter() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::{
        path::{ParameterBuilder, ParameterIn},
        schema::{ObjectBuilder, Type},
        Required,
    };
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: a repeat with the same key and request gets the first response again (with `Idempotent-Replayed: true`), except a decision, which is decided again by the rules as they are now, with its send recorded once; the same key with another request is 422.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build()
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `/api/docs`: the OpenAPI document rendered as a page of the organisation `org` (no scripts
/// from elsewhere).
pub fn docs(doc: &utoipa::openapi::OpenApi, org: &str) -> Html<String> {
    let esc = app::pages::shell::escape_html;
    let mut body = String::new();
    for (path, item) in doc.paths.paths.iter() {
        for (method, op) in [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if let Some(op) = op {
                let summary = op
                    .summary
                    .clone()
                    .or_else(|| op.description.clone())
                    .unwrap_or_default();
                let statuses: Vec<String> = op.responses.responses.keys().cloned().collect();
                body.push_str(&format!(
                    "<section class=\"card\"><h2><code>{method} /api/v1{}</code></h2><p>{}</p><p class=\"hint\">Answers: {}</p></section>",
                    esc(path),
                    esc(&summary),
                    esc(&statuses.join(", "))
                ));
            }
        }
    }
    let intro = "<section class=\"card\"><h1>Sender API</h1><p>Authenticate with \
         <code>Authorization: Bearer &lt;key&gt;</code> (<code>attune sender create NAME</code>). \
         Errors are <code>application/problem+json</code>. The machine-readable document is \
         <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p></section>";
    // For developers: in English.
    Html(document(
        Audience::Public(app::i18n::Lang::english()),
        org,
        "Sender API",
        &public_header(org),
        &format!("{intro}{body}"),
    ))
}
