{{/*
pgready's arguments from the values: the command, the timeouts, then the options
every command shares ("pgready.options").
*/}}
{{- define "pgready.args" -}}
- wait
- --timeout={{ .Values.timeout }}
{{ include "pgready.options" . }}
{{- end }}

{{/*
The options shared by wait, watch and check: the attempt timeout, the client, the
gates and the migration gate, then extraArgs.
*/}}
{{- define "pgready.options" -}}
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
pgready in an app's pod, as an init container (`wait`: the app starts once the
database is ready) or, with sidecar.enabled, as a native sidecar (Kubernetes >=
1.29; stable in 1.33). Call it with a context whose .Values are pgready's values,
e.g. from an app chart that depends on this one:
  initContainers:
    {{- include "pgready.initContainer" (dict "Values" .Values.pgready) | nindent 8 }}
*/}}
{{- define "pgready.initContainer" -}}
{{- if .Values.sidecar.enabled }}
{{- include "pgready.sidecar" . }}
{{- else }}
{{- include "pgready.container" . }}
{{- end }}
{{- end }}

{{/*
The native sidecar: an init container with restartPolicy Always whose process is
`pgready watch` (a line in its log each time the database is lost or back). The
kubelet starts the app's containers only once its startupProbe (`pgready check`)
passed; the readinessProbe, when enabled, takes the Pod out of its Services'
endpoints while the database is gone.
*/}}
{{- define "pgready.sidecar" -}}
- name: pgready
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  restartPolicy: Always
  args:
    - watch
    - --interval={{ .Values.sidecar.interval }}
    {{- include "pgready.options" . | nindent 4 }}
  {{- include "pgready.env" . | nindent 2 }}
  startupProbe:
    exec:
      command:
        - /pgready
        - check
        {{- include "pgready.options" . | nindent 8 }}
    {{- toYaml .Values.sidecar.startupProbe | nindent 4 }}
  {{- if .Values.sidecar.readinessProbe.enabled }}
  readinessProbe:
    exec:
      command:
        - /pgready
        - check
        {{- include "pgready.options" . | nindent 8 }}
    {{- toYaml (omit .Values.sidecar.readinessProbe "enabled") | nindent 4 }}
  {{- end }}
  terminationMessagePath: /dev/termination-log
  terminationMessagePolicy: FallbackToLogsOnError
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
{{- end }}

{{/*
The environment: each database URL from its Secret, and JSON logs.
*/}}
{{- define "pgready.env" -}}
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
{{- end }}

{{/*
The `wait` container: an init container in any pod, and the hook Job's container.
*/}}
{{- define "pgready.container" -}}
- name: pgready
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    {{- include "pgready.args" . | nindent 4 }}
  {{- include "pgready.env" . | nindent 2 }}
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
