//! What the checks' SQL needs to know of a target (the quoting itself is
//! [`crate::vocab::sql`]).

/// The schema the app uses: Prisma's `schema=` parameter, else `public`.
pub fn app_schema(spec: &crate::settings::spec::ConnSpec) -> String {
    spec.opt("schema").unwrap_or("public").to_string()
}
