//! `/api/v1/organisations` and `/api/v1/campaigns`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jauge::store::Scope;

use crate::dto::{CampaignInfo, NewCampaign, NewOrganisation, OrganisationInfo, Plan, time};
use crate::extract::{ApiJson, Caller, PathParam};
use crate::problem::{Problem, from_facade};
use crate::state::AppState;

/// The organisations this token reaches (its own; every one for the administrator).
#[utoipa::path(
    get, path = "/organisations", tag = "organisations",
    responses(
        (status = 200, description = "Organisations", body = Vec<OrganisationInfo>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_organisations(
    Caller(caller): Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<OrganisationInfo>>, Problem> {
    let jauge = state.jauge;
    let all = state
        .blocking(move || jauge.organisations().map_err(from_facade))
        .await?;
    Ok(Json(
        all.into_iter()
            .filter(|o| caller.reaches(Some(&o.code)))
            .map(OrganisationInfo::from)
            .collect(),
    ))
}

/// Create an organisation (administrator only).
#[utoipa::path(
    post, path = "/organisations", tag = "organisations",
    request_body = NewOrganisation,
    responses(
        (status = 201, description = "Created", body = OrganisationInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the administrator's token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid code", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_organisation(
    Caller(caller): Caller,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewOrganisation>,
) -> Result<(StatusCode, Json<OrganisationInfo>), Problem> {
    if !matches!(caller, Scope::Admin { .. }) {
        return Err(Problem::new(
            "forbidden",
            "only the administrator's token creates organisations",
        ));
    }
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let (r, target) = state
        .blocking(move || {
            let r = jauge
                .create_organisation(&body.code, &body.name)
                .map_err(from_facade);
            Ok((r, durable.committed()))
        })
        .await?;
    state.durable(target).await?;
    Ok((StatusCode::CREATED, Json(r?.into())))
}

fn campaign_info(c: jauge::Campaign, plan: jauge::PlanSpec) -> CampaignInfo {
    CampaignInfo {
        name: c.name,
        organisation: c.organisation,
        plan: Plan::from(plan),
        opens_at: c.opens_at.map(time),
        closes_at: c.closes_at.map(time),
        created_at: time(c.created_at),
    }
}

/// Whether the caller sees a campaign: its own organisation's, or one open to all.
fn sees(caller: &Scope, c: &jauge::Campaign) -> bool {
    c.organisation.is_none() || caller.reaches(c.organisation.as_deref())
}

/// The campaigns this token reaches: its organisation's and those open to all.
#[utoipa::path(
    get, path = "/campaigns", tag = "campaigns",
    responses(
        (status = 200, description = "Campaigns", body = Vec<CampaignInfo>),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_campaigns(
    Caller(caller): Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<CampaignInfo>>, Problem> {
    let jauge = state.jauge;
    let list = state
        .blocking(move || {
            let mut out = Vec::new();
            for c in jauge.campaigns().map_err(from_facade)? {
                if sees(&caller, &c) {
                    let (c, plan) = jauge.campaign(&c.name).map_err(from_facade)?;
                    out.push(campaign_info(c, plan));
                }
            }
            Ok(out)
        })
        .await?;
    Ok(Json(list))
}

/// A campaign.
#[utoipa::path(
    get, path = "/campaigns/{campaign}", tag = "campaigns",
    params(("campaign" = String, Path, description = "The campaign's name")),
    responses(
        (status = 200, description = "The campaign", body = CampaignInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign for this token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_campaign(
    Caller(caller): Caller,
    State(state): State<AppState>,
    PathParam(name): PathParam,
) -> Result<Json<CampaignInfo>, Problem> {
    let jauge = state.jauge;
    let c = state
        .blocking(move || {
            let (c, plan) = jauge.campaign(&name).map_err(from_facade)?;
            if !sees(&caller, &c) {
                return Err(from_facade(jauge::Error::UnknownCampaign(name)));
            }
            Ok(campaign_info(c, plan))
        })
        .await?;
    Ok(Json(c))
}

fn parse_time(field: &str, v: Option<&str>) -> Result<Option<jiff::Timestamp>, Problem> {
    v.map(|s| {
        s.parse::<jiff::Timestamp>().map_err(|_| {
            Problem::new(
                "invalid-body",
                format!("`{field}`: `{s}` is not an RFC 3339 time (2026-06-30T12:00:00Z)"),
            )
        })
    })
    .transpose()
}

/// Create a campaign: a named plan, open between two dates, of the token's organisation (or,
/// for the administrator, of any organisation or of none).
#[utoipa::path(
    post, path = "/campaigns", tag = "campaigns",
    request_body = NewCampaign,
    responses(
        (status = 201, description = "Created", body = CampaignInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name, plan or dates", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_campaign(
    Caller(caller): Caller,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewCampaign>,
) -> Result<(StatusCode, Json<CampaignInfo>), Problem> {
    let org = match &caller {
        Scope::Organisation { code, .. } => {
            if body.organisation.as_ref().is_some_and(|o| o != code) {
                return Err(Problem::new(
                    "organisation-not-found",
                    "this token reaches its own organisation only",
                ));
            }
            Some(code.clone())
        }
        Scope::Admin { .. } => body.organisation.clone(),
    };
    let opens = parse_time("opens_at", body.opens_at.as_deref())?;
    let closes = parse_time("closes_at", body.closes_at.as_deref())?;
    let jauge = state.jauge;
    let durable = state.durable.clone();
    let (r, target) = state
        .blocking(move || {
            let r = (|| {
                let spec: jauge::PlanSpec = body.plan.into();
                jauge
                    .create_campaign(&body.name, org.as_deref(), &spec, opens, closes)
                    .map_err(from_facade)?;
                let (c, plan) = jauge.campaign(&body.name).map_err(from_facade)?;
                Ok(campaign_info(c, plan))
            })();
            Ok((r, durable.committed()))
        })
        .await?;
    state.durable(target).await?;
    Ok((StatusCode::CREATED, Json(r?)))
}
