import { idpContract } from './idp-contract.ts';
import { startPysaml2 } from './pysaml2.ts';

idpContract('pysaml2', startPysaml2);
