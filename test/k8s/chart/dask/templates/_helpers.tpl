{{/* Chart name, overridable. */}}
{{- define "dask.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* fullnameOverride, else the release name if it contains the chart name, else <release>-<name>. */}}
{{- define "dask.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "dask.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of one component; call with (list <component> $). */}}
{{- define "dask.labels" -}}
{{- $ := index . 1 -}}
chart: {{ include "dask.chart" $ }}
{{ include "dask.selectorLabels" . }}
heritage: {{ $.Release.Service | quote }}
{{- end -}}

{{- define "dask.selectorLabels" -}}
{{- $ := index . 1 -}}
app: {{ include "dask.name" $ }}
release: {{ $.Release.Name | quote }}
component: {{ index . 0 }}
{{- end -}}
