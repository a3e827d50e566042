{{/* Names, labels and the values the templates derive from others. */}}

{{- define "jsonl-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* release-chart, or the release alone when it already holds the chart's name. */}}
{{- define "jsonl-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "jsonl-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "jsonl-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jsonl-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "jsonl-exporter.labels" -}}
helm.sh/chart: {{ include "jsonl-exporter.chart" . }}
{{ include "jsonl-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/component: exporter
app.kubernetes.io/part-of: jsonl-exporter
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "jsonl-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "jsonl-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "jsonl-exporter.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- if .Values.image.digest }}
{{- $ref = printf "%s@%s" $ref .Values.image.digest }}
{{- end }}
{{- $ref }}
{{- end }}

{{/* Paths in the pod. */}}
{{- define "jsonl-exporter.configDir" -}}/etc/jsonl-exporter/config{{- end }}
{{- define "jsonl-exporter.webDir" -}}/etc/jsonl-exporter/web{{- end }}
{{- define "jsonl-exporter.tlsDir" -}}/etc/jsonl-exporter/tls{{- end }}
{{- define "jsonl-exporter.remoteWriteDir" -}}/etc/jsonl-exporter/remote-write{{- end }}
{{- define "jsonl-exporter.stateDir" -}}/var/lib/jsonl-exporter{{- end }}

{{/* "true" when /metrics is served through a web configuration file. */}}
{{- define "jsonl-exporter.webConfigOn" -}}
{{- if or .Values.webConfig.tls.enabled .Values.webConfig.basicAuth.enabled .Values.webConfig.existingSecret }}true{{ end }}
{{- end }}

{{/* "true" when some receiver is configured, here or in config. */}}
{{- define "jsonl-exporter.remoteWriteOn" -}}
{{- $rw := get .Values.config "remote-write" | default dict }}
{{- if or .Values.remoteWrite.endpoints (get $rw "url") (get $rw "endpoints") }}true{{ end }}
{{- end }}

{{/* "true" when the kubelet's probes cannot pass the web configuration's
     checks (a password, a client certificate): they check the TCP port. */}}
{{- define "jsonl-exporter.tcpProbes" -}}
{{- $clientAuth := dig "client_auth_type" "" .Values.webConfig.tls.config }}
{{- if or .Values.webConfig.basicAuth.enabled (hasPrefix "Require" $clientAuth) }}true{{ end }}
{{- end }}

{{- define "jsonl-exporter.scheme" -}}
{{- if .Values.webConfig.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/* The remote-write endpoints of remoteWrite.endpoints in the exporter's
     terms, their credentials read from the files the Deployment mounts. */}}
{{- define "jsonl-exporter.endpoints" -}}
{{- $out := list }}
{{- range $i, $ep := .Values.remoteWrite.endpoints }}
{{- if not $ep.url }}
{{- fail (printf "remoteWrite.endpoints[%d]: url is required" $i) }}
{{- end }}
{{- $dir := printf "%s/%d" (include "jsonl-exporter.remoteWriteDir" $) $i }}
{{- $e := dict "url" $ep.url }}
{{- with $ep.name }}{{ $_ := set $e "name" . }}{{ end }}
{{- with $ep.protocol }}{{ $_ := set $e "protocol" . }}{{ end }}
{{- with $ep.headers }}
{{- $h := dict }}
{{- range $k, $v := . }}{{ $_ := set $h $k (dict "values" (list $v)) }}{{ end }}
{{- $_ := set $e "http_headers" $h }}
{{- end }}
{{- if and $ep.basicAuth $ep.bearerToken }}
{{- fail (printf "remoteWrite.endpoints[%d]: basicAuth and bearerToken exclude each other" $i) }}
{{- end }}
{{- with $ep.basicAuth }}
{{- $_ := set $e "basic_auth" (dict "username_file" (printf "%s/auth/%s" $dir (.usernameKey | default "username")) "password_file" (printf "%s/auth/%s" $dir (.passwordKey | default "password"))) }}
{{- end }}
{{- with $ep.bearerToken }}
{{- $_ := set $e "authorization" (dict "type" "Bearer" "credentials_file" (printf "%s/auth/%s" $dir (.key | default "token"))) }}
{{- end }}
{{- with $ep.tls }}
{{- $t := dict }}
{{- if .secretName }}
{{- with .caKey }}{{ $_ := set $t "ca_file" (printf "%s/tls/%s" $dir .) }}{{ end }}
{{- with .certKey }}{{ $_ := set $t "cert_file" (printf "%s/tls/%s" $dir .) }}{{ end }}
{{- with .keyKey }}{{ $_ := set $t "key_file" (printf "%s/tls/%s" $dir .) }}{{ end }}
{{- end }}
{{- if .insecureSkipVerify }}{{ $_ := set $t "insecure_skip_verify" true }}{{ end }}
{{- $_ := set $e "tls_config" $t }}
{{- end }}
{{- with $ep.extra }}{{ $e = mustMergeOverwrite $e (deepCopy .) }}{{ end }}
{{- $out = append $out $e }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* The configuration file: config, and the keys the chart owns. */}}
{{- define "jsonl-exporter.config" -}}
{{- $c := deepCopy .Values.config }}
{{- $web := get $c "web" | default dict }}
{{- if hasKey $web "listen-address" }}
{{- fail "config.web.listen-address: set containerPort instead; the chart listens there" }}
{{- end }}
{{- if hasKey (get $web "config" | default dict) "file" }}
{{- fail "config.web.config.file: set webConfig instead; the chart mounts the file" }}
{{- end }}
{{- if hasKey (get $c "state" | default dict) "file" }}
{{- fail "config.state.file: set remoteWrite.state instead; the chart mounts its folder" }}
{{- end }}
{{- $_ := set $web "listen-address" (list (printf ":%d" (int .Values.containerPort))) }}
{{- if include "jsonl-exporter.webConfigOn" . }}
{{- $_ := set $web "config" (dict "file" (printf "%s/web-config.yml" (include "jsonl-exporter.webDir" .))) }}
{{- end }}
{{- $_ := set $c "web" $web }}
{{- if .Values.remoteWrite.endpoints }}
{{- $rw := get $c "remote-write" | default dict }}
{{- $eps := concat (get $rw "endpoints" | default list) (include "jsonl-exporter.endpoints" . | fromYamlArray) }}
{{- $_ := set $rw "endpoints" $eps }}
{{- $_ := set $c "remote-write" $rw }}
{{- end }}
{{- if .Values.remoteWrite.externalLabels }}
{{- $rw := get $c "remote-write" | default dict }}
{{- $_ := set $rw "external-labels" (mustMergeOverwrite (get $rw "external-labels" | default dict) (deepCopy .Values.remoteWrite.externalLabels)) }}
{{- $_ := set $c "remote-write" $rw }}
{{- end }}
{{- if and (include "jsonl-exporter.remoteWriteOn" .) .Values.remoteWrite.state.enabled }}
{{- $_ := set $c "state" (dict "file" (printf "%s/state.json" (include "jsonl-exporter.stateDir" .))) }}
{{- end }}
{{- toYaml $c }}
{{- end }}

{{/* The web configuration file rendered from webConfig. */}}
{{- define "jsonl-exporter.webConfigFile" -}}
{{- $w := dict }}
{{- if .Values.webConfig.tls.enabled }}
{{- if not .Values.webConfig.tls.secretName }}
{{- fail "webConfig.tls.secretName: name the kubernetes.io/tls Secret to serve HTTPS with" }}
{{- end }}
{{- $tls := dict "cert_file" (printf "%s/tls.crt" (include "jsonl-exporter.tlsDir" .)) "key_file" (printf "%s/tls.key" (include "jsonl-exporter.tlsDir" .)) }}
{{- $_ := set $w "tls_server_config" (mustMergeOverwrite $tls (deepCopy .Values.webConfig.tls.config)) }}
{{- end }}
{{- if .Values.webConfig.basicAuth.enabled }}
{{- if not .Values.webConfig.basicAuth.users }}
{{- fail "webConfig.basicAuth.users: give at least one user and its bcrypt hash" }}
{{- end }}
{{- $_ := set $w "basic_auth_users" .Values.webConfig.basicAuth.users }}
{{- end }}
{{- toYaml $w }}
{{- end }}

{{/* The namespace of an object that may live elsewhere than the release. */}}
{{- define "jsonl-exporter.namespace" -}}
{{- .namespace | default .root.Release.Namespace }}
{{- end }}
