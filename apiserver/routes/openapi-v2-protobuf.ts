// /openapi/v2 as protobuf: kubectl and client-go ask for it only as
// `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` (gnostic's openapi.v2
// Document) and cannot read JSON there: a JSON answer fails with "proto: cannot parse
// invalid wire-format data", a 406 makes them try /swagger-2.0.0.pb-v1 and fail with
// "failed to download openapi". kubectl falls back to v2 for a kind /openapi/v3 does not
// have, so without this a manifest of a kind orch does not serve failed that way instead
// of with "no matches for kind".
//
// The schema below is the part of gnostic's OpenAPIv2.proto (github.com/google/gnostic-models,
// Apache-2.0) that orch's document uses, with upstream's field numbers; vendor extensions
// travel as YAML text (JSON is YAML) in Any.yaml, as gnostic writes them.

import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package openapi.v2;
message Any { string yaml = 2; }
message NamedAny { string name = 1; Any value = 2; }
message Info { string title = 1; string version = 2; }
message Document {
  string swagger = 1; Info info = 2; Paths paths = 8; Definitions definitions = 9;
}
message Paths { repeated NamedPathItem path = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message PathItem {
  Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5; Operation patch = 8;
}
message Operation {
  string operation_id = 5; repeated string consumes = 7; repeated ParametersItem parameters = 8;
  Responses responses = 9; repeated NamedAny vendor_extension = 13;
}
message ParametersItem { oneof oneof { Parameter parameter = 1; } }
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message BodyParameter { string name = 2; string in = 3; bool required = 4; Schema schema = 5; }
message NonBodyParameter { oneof oneof { QueryParameterSubSchema query_parameter_sub_schema = 3; } }
message QueryParameterSubSchema { string in = 2; string name = 4; string type = 6; bool unique_items = 20; }
message Responses { repeated NamedResponseValue response_code = 1; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message ResponseValue { oneof oneof { Response response = 1; } }
message Response { string description = 1; SchemaItem schema = 2; }
message SchemaItem { oneof oneof { Schema schema = 1; } }
message Definitions { repeated NamedSchema additional_properties = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Properties { repeated NamedSchema additional_properties = 1; }
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message Schema {
  string _ref = 1; string format = 2; string description = 4; repeated string required = 19;
  AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22; ItemsItem items = 23;
  repeated Schema all_of = 24; Properties properties = 25; repeated NamedAny vendor_extension = 31;
}
`;

/**
 * The answer's media type: clients ask with `...spec.v2@v1.0+protobuf` or this one;
 * upstream (kube-openapi) answers both with this spelling ('@' is not a token character).
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, any>;

function extensions(o: Json): Json[] {
  return Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, v]) => ({ name, value: { yaml: `${JSON.stringify(v)}\n` } }));
}

function schema(s: Json): Json {
  const out: Json = { vendor_extension: extensions(s) };
  if (s.$ref) out._ref = s.$ref;
  if (s.format) out.format = s.format;
  if (s.description) out.description = s.description;
  if (s.required) out.required = s.required;
  if (s.type) out.type = { value: [s.type] };
  if (s.items) out.items = { schema: [schema(s.items)] };
  if (s.additionalProperties) out.additional_properties = { schema: schema(s.additionalProperties) };
  if (s.allOf) out.all_of = s.allOf.map(schema);
  if (s.properties) out.properties = { additional_properties: Object.entries(s.properties).map(([name, v]) => ({ name, value: schema(v as Json) })) };
  return out;
}

function parameter(p: Json): Json {
  if (p.in === 'body') return { parameter: { body_parameter: { name: p.name, in: p.in, required: p.required, schema: schema(p.schema) } } };
  return { parameter: { non_body_parameter: { query_parameter_sub_schema: { name: p.name, in: p.in, type: p.type, unique_items: p.uniqueItems } } } };
}

function operation(op: Json): Json {
  return {
    operation_id: op.operationId,
    consumes: op.consumes ?? [],
    parameters: (op.parameters ?? []).map(parameter),
    responses: {
      response_code: Object.entries(op.responses ?? {}).map(([name, r]) => ({
        name,
        value: { response: { description: (r as Json).description, schema: (r as Json).schema ? { schema: schema((r as Json).schema) } : undefined } },
      })),
    },
    vendor_extension: extensions(op),
  };
}

let documentType: protobuf.Type | undefined;

/** The Swagger 2.0 document (as openApiV2Document() builds it) in gnostic's protobuf form. */
export function encodeOpenApiV2(doc: Json): Buffer {
  documentType ??= protobuf.parse(PROTO, { keepCase: true }).root.lookupType('openapi.v2.Document');
  const message = {
    swagger: doc.swagger,
    info: doc.info,
    paths: {
      path: Object.entries(doc.paths as Json).map(([name, item]) => ({
        name,
        value: Object.fromEntries(Object.entries(item as Json).map(([verb, op]) => [verb, operation(op as Json)])),
      })),
    },
    definitions: { additional_properties: Object.entries(doc.definitions as Json).map(([name, s]) => ({ name, value: schema(s as Json) })) },
  };
  return Buffer.from(documentType.encode(documentType.fromObject(message)).finish());
}
