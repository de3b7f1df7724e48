export { Hash256, hammingDistance, popcount32 } from './hash256.ts';
export {
  DIHEDRAL_NAMES,
  MIN_HASHABLE_SIDE,
  PRE_RESIZE_SIDE,
  pdqHash,
  pdqHashWithDihedrals,
  type DihedralName,
  type PdqDihedralResult,
  type PdqResult,
  type PixelImage,
} from './hasher.ts';
