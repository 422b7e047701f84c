{{- define "sts.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sts.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sts.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sts.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sts.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "sts.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The rules a release must meet; each failure says what to change. */}}
{{- define "sts.validate" -}}
{{- $replicas := int .Values.replicaCount -}}
{{- if and (gt $replicas 1) (not .Values.database.url) -}}
{{- fail (printf "replicaCount is %d but database.url is unset: the SQLite store lives on one pod's volume and serves a single replica. Set replicaCount: 1, or database.url (the PostgreSQL store) for several replicas." $replicas) -}}
{{- end -}}
{{- if lt $replicas 0 -}}
{{- fail "replicaCount must not be negative" -}}
{{- end -}}
{{- with .Values.database.url -}}
{{- if not (or (hasPrefix "postgres://" .) (hasPrefix "postgresql://" .)) -}}
{{- fail "database.url must start with postgres:// (or postgresql://)" -}}
{{- end -}}
{{- if regexMatch "^postgres(ql)?://[^/@]*:[^/@]*@" . -}}
{{- fail "database.url holds a password: put it in the Secret named by database.passwordSecret, not in the URL" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.database.passwordSecret.name (not .Values.database.url) -}}
{{- fail "database.passwordSecret is set but database.url is not" -}}
{{- end -}}
{{- if and .Values.database.url (not .Values.database.keyEncryptionKeySecret.name) -}}
{{- fail "database.url needs database.keyEncryptionKeySecret: every replica must seal its keys with the same key-encryption key (a Secret holding 64 hex characters, e.g. from `openssl rand -hex 32`)" -}}
{{- end -}}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) -}}
{{- fail "tls.enabled is true but tls.secretName is unset: name a Secret of type kubernetes.io/tls" -}}
{{- end -}}
{{- if and (not .Values.tls.enabled) (not .Values.allowPlaintext) -}}
{{- fail "tls.enabled and allowPlaintext are both false: stsd would refuse to listen on 0.0.0.0 in plain text. Enable TLS (tls.secretName) or set allowPlaintext: true" -}}
{{- end -}}
{{- range $key := list "rest_listen" "grpc_listen" "metrics_listen" "data_dir" "tls_cert_file" "tls_key_file" "allow_plaintext" "database_url" "database_password_file" "key_encryption_key_file" "creds_path" "rados_config_path" "issuer" "auth" -}}
{{- if hasKey $.Values.config $key -}}
{{- fail (printf "config.%s is set by the chart from its own values (ports, persistence, tls, allowPlaintext, database, metrics, cray, issuer, auth): set it there" $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Secret files mounted from Kubernetes Secrets are root's and readable by the pod's group: stsd reads such files
     only with secret_files_allow_shared (and names each in a warning at start). */}}
{{- define "sts.mountsSecrets" -}}
{{- if or .Values.tls.enabled .Values.cray.enabled .Values.database.passwordSecret.name .Values.database.url -}}true{{- end -}}
{{- end -}}

{{/* stsd.yaml: the chart's settings, then the config values. */}}
{{- define "sts.stsdConfig" -}}
rest_listen: "0.0.0.0:{{ .Values.ports.rest }}"
grpc_listen: "0.0.0.0:{{ .Values.ports.grpc }}"
data_dir: /var/lib/sts
issuer: {{ .Values.issuer | quote }}
auth: {{ .Values.auth | quote }}
{{- if .Values.metrics.enabled }}
metrics_listen: "0.0.0.0:{{ .Values.metrics.port }}"
{{- end }}
{{- if .Values.tls.enabled }}
tls_cert_file: /etc/sts-tls/tls.crt
tls_key_file: /etc/sts-tls/tls.key
{{- else }}
allow_plaintext: true
{{- end }}
{{- if include "sts.mountsSecrets" . }}
secret_files_allow_shared: true
{{- end }}
{{- if .Values.cray.enabled }}
creds_path: /conf/creds
rados_config_path: /conf/rados_conf
{{- end }}
{{- if .Values.database.url }}
database_url: {{ .Values.database.url | quote }}
{{- if .Values.database.passwordSecret.name }}
database_password_file: /etc/sts-database/password
{{- end }}
key_encryption_key_file: /etc/sts-kek/keys.kek
{{- end }}
{{- with .Values.config }}
{{ toYaml . }}
{{- end }}
{{- end -}}
