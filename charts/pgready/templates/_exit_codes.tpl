{{- /* Generated from pgready's class table (Class::ends_a_job): do not edit; `PGREADY_BLESS=1 cargo test --test tests exit_codes` rewrites it.
invalid_config, tls_unsupported, tls_untrusted, tls_error, auth_failed, access_rejected, version_unsupported, schema_permission_denied, migrations_failed, migrations_modified, migrations_unknown, migrations_out_of_order, targets_mismatch */ -}}
{{- define "pgready.permanentExitCodes" -}}
[2, 20, 21, 22, 30, 31, 43, 44, 52, 53, 54, 55, 60]
{{- end }}
