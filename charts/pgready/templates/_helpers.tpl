{{/*
pgready's arguments from the values: the command, the timeouts, the client and
the gates, then extraArgs.
*/}}
{{- define "pgready.args" -}}
- wait
- --timeout={{ .Values.timeout }}
- --attempt-timeout={{ .Values.attemptTimeout }}
{{- with .Values.client }}
- --client={{ . }}
{{- end }}
{{- with .Values.gates }}
{{- with .minServerVersion }}
- --min-server-version={{ . }}
{{- end }}
{{- if .requireWritable }}
- --require-writable
{{- end }}
{{- with .requireSchemaPrivilege }}
- --require-schema-privilege={{ . }}
{{- end }}
{{- range .requireTables }}
- --require-table={{ . }}
{{- end }}
{{- range .requireExtensions }}
- --require-extension={{ . }}
{{- end }}
{{- if .createDatabase }}
- --create-database
{{- end }}
{{- end }}
{{- with .Values.migrations }}
{{- if .tool }}
- --migrations={{ .tool }}
- --require-migrations={{ .require | default "applied" }}
{{- with .expect }}
- --expect-migration={{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}

{{/*
The container: usable as an init container in any pod. Call it with a context
whose .Values are pgready's values, e.g. from an app chart that depends on this
one:
  initContainers:
    {{- include "pgready.initContainer" (dict "Values" .Values.pgready) | nindent 8 }}
*/}}
{{- define "pgready.initContainer" -}}
- name: pgready
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    {{- include "pgready.args" . | nindent 4 }}
  env:
    {{- range .Values.databaseUrls }}
    - name: {{ .name }}
      valueFrom:
        secretKeyRef:
          name: {{ .secretName }}
          key: {{ .secretKey }}
    {{- end }}
    - name: PGREADY_LOG_FORMAT
      value: json
  terminationMessagePath: /dev/termination-log
  terminationMessagePolicy: FallbackToLogsOnError
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
{{- end }}

{{- define "pgready.fullname" -}}
{{- printf "%s-pgready" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- define "pgready.labels" -}}
app.kubernetes.io/name: pgready
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}
