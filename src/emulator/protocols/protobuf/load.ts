// The one way in to the protobuf modules: a dynamic import, so the emulator's own chunk carries none of
// @bufbuild/protobuf (the build puts it in a chunk of its own, loaded on first use).
export type ProtobufModule = typeof import("./module");

let loading: Promise<ProtobufModule> | undefined;

export function loadProtobuf(): Promise<ProtobufModule> {
  loading ??= import("./module");
  return loading;
}
