import { roundSvgCoordinates } from './chart-svg';

describe('roundSvgCoordinates', () => {
  it('rounds long decimals inside attribute values only', () => {
    expect(
      roundSvgCoordinates(
        '<path d="M2.5999999999999996,114h-2.6000000000000014Z" opacity="0.85"/><text>0.12345</text>',
      ),
    ).toBe('<path d="M2.6,114h-2.6Z" opacity="0.85"/><text>0.12345</text>');
  });
});
